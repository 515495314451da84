// Follow-up questions: the rule that makes them standalone without a model, and a conversation
// over a small library that must find the right document for a follow-up.
#include <fstream>

#include "docent/retrieval.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace docent;
using retrieval::rewrite_follow_up;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST(FollowUpRule, FirstQuestionIsSearchedAsAsked) {
  auto rewrite = rewrite_follow_up("", "and in 2019?");
  EXPECT_FALSE(rewrite.follow_up);
  EXPECT_EQ(rewrite.method, "none");
  EXPECT_EQ(rewrite.query, "and in 2019?");
}

TEST(FollowUpRule, ShortQuestionWithCueCarriesThePreviousContentWords) {
  auto rewrite = rewrite_follow_up("What was the revenue of Acme Corporation in 2018?", "and in 2019?");
  EXPECT_TRUE(rewrite.follow_up);
  EXPECT_EQ(rewrite.method, "rule");
  // The follow-up's own year replaces the previous one.
  EXPECT_EQ(rewrite.query, "and in 2019? revenue Acme Corporation");
  EXPECT_EQ(rewrite.carried_words, (std::vector<std::string>{"revenue", "Acme", "Corporation"}));
  EXPECT_EQ(rewrite.focus, "2019");

  auto words = rewrite_follow_up("What was the revenue of Acme Corporation in 2018?", "and its profit?");
  EXPECT_TRUE(words.follow_up);
  EXPECT_EQ(words.query, "and its profit? revenue Acme Corporation 2018");
  EXPECT_EQ(words.focus, "profit");
}

TEST(FollowUpRule, PronounMarksAFollowUpAndItsOwnWordsAreNotRepeated) {
  auto rewrite = rewrite_follow_up("How does the Hollander overhead line work?", "What are its limits?");
  EXPECT_TRUE(rewrite.follow_up);
  EXPECT_TRUE(contains(rewrite.query, "Hollander"));
  EXPECT_TRUE(contains(rewrite.query, "overhead"));
  EXPECT_FALSE(contains(rewrite.query, "How"));   // question words are not carried
  EXPECT_FALSE(contains(rewrite.query, "does"));

  // "limits" of the follow-up and "limit" of the previous query are one word.
  auto same = rewrite_follow_up("Which speed limit applies on the bridge?", "what about its limits at night?");
  EXPECT_TRUE(same.follow_up);
  for (const auto& word : same.carried_words) EXPECT_NE(word, "limit");
}

TEST(FollowUpRule, QuestionWithoutContentWordsIsAFollowUp) {
  for (const char* question : {"why?", "Tell me more.", "and then?", "Can you explain that?"}) {
    auto rewrite = rewrite_follow_up("When did the last tram run in Brennmoor?", question);
    EXPECT_TRUE(rewrite.follow_up) << question;
    EXPECT_TRUE(contains(rewrite.query, "Brennmoor")) << question;
  }
}

TEST(FollowUpRule, QuestionNamingItsOwnSubjectStartsANewTopic) {
  // Enough content words of its own, even with "it" or an opening "and".
  for (const char* question : {"What minimum voltage must the emergency batteries at Tarrow Point show?",
                               "And how high is the fleece barrier against carrot fly in the garden?",
                               "Who drove car 41 on the last night of the tram service?"}) {
    auto rewrite = rewrite_follow_up("When was the Tarrow Point Light first lit?", question);
    EXPECT_FALSE(rewrite.follow_up) << question;
    EXPECT_EQ(rewrite.query, question);
    EXPECT_TRUE(rewrite.carried_words.empty());
  }
  // Short, but no cue and no reference back: a new question.
  auto fresh = rewrite_follow_up("When was the Tarrow Point Light first lit?", "Brennmoor trams?");
  EXPECT_FALSE(fresh.follow_up);
}

TEST(FollowUpRule, ChainsStayBounded) {
  std::string query = "Which factors influence the annual maintenance budget of the Kessel Lane tram depot workshop "
                      "and its electrical substation equipment?";
  for (const char* question : {"and in 2019?", "and in 2020?", "what about its staff?", "and in 2021?"}) {
    auto rewrite = rewrite_follow_up(query, question);
    ASSERT_TRUE(rewrite.follow_up) << question;
    EXPECT_LE(rewrite.carried_words.size(), retrieval::kCarriedWords);
    query = rewrite.query;
  }
  EXPECT_TRUE(contains(query, "2021"));
  EXPECT_FALSE(contains(query, "2020"));
  EXPECT_TRUE(contains(query, "maintenance"));
  EXPECT_LE(query.size(), 140u);
}

// A conversation without a model over two documents that share no words but "it" can mean
// either: the follow-up must reach the document the first question was about.
TEST(Conversation, FollowUpWithoutAModelFindsThePreviousTopicsDocument) {
  test::TempDir docs, home;
  {
    std::ofstream(docs.path() / "lighthouse.md")
        << "# Tarrow Point Light\n\nThe Tarrow Point Light was first lit on 3 November 1871. "
           "Its lantern gallery is reached by 212 steps from the ground-floor store.\n\n"
           "The fog horn sounds two blasts every 30 seconds in fog.\n";
    std::ofstream(docs.path() / "tram.md")
        << "# Brennmoor tramways\n\nThe first Brennmoor horse tram line opened on 14 May 1889. "
           "The last tram ran on 30 September 1974, driven by Ilse Marten.\n\n"
           "Forty steps led up to the depot office, where the fog of the valley rarely reached.\n";
  }
  auto library = index::Library::open(home.path() / "lib");
  retrieval::ingest_paths(library, {docs.path()}, {});

  retrieval::ConversationOptions options;
  std::vector<std::string> searched;
  options.on_rewrite = [&](const retrieval::QueryRewrite& rewrite) { searched.push_back(rewrite.query); };
  retrieval::Conversation conversation(library, options);
  auto first = conversation.ask("When was the Tarrow Point Light first lit?");
  ASSERT_TRUE(first.answer.found);
  EXPECT_FALSE(first.rewrite.follow_up);
  EXPECT_TRUE(contains(first.answer.citations.at(0).path, "lighthouse.md"));

  auto second = conversation.ask("And how many steps does it have?");
  EXPECT_TRUE(second.rewrite.follow_up);
  EXPECT_TRUE(contains(second.rewrite.query, "Tarrow"));
  ASSERT_TRUE(second.answer.found);
  EXPECT_TRUE(contains(second.answer.citations.at(0).path, "lighthouse.md")) << second.answer.citations.at(0).path;
  EXPECT_TRUE(contains(second.answer.text, "212 steps"));
  ASSERT_EQ(searched.size(), 2u);
  EXPECT_EQ(searched[1], second.rewrite.query);
  EXPECT_EQ(conversation.history().size(), 2u);

  // Without the history the same words are a different question.
  conversation.reset();
  EXPECT_TRUE(conversation.history().empty());
  auto alone = conversation.ask("And how many steps does it have?");
  EXPECT_FALSE(alone.rewrite.follow_up);
}

// The tiny random-weight generator: rewriting and answering run end to end (its text is
// gibberish, so its rewrite must be caught and the rule used instead).
TEST(Conversation, RunsEndToEndWithTheTinyFixtureGenerator) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  test::TempDir home;
  auto library = index::Library::open(home.path() / "lib");
  retrieval::ingest_paths(library, {test::source_dir() / "samples"}, {});
  retrieval::ConversationOptions options;
  retrieval::GenerativeOptions generation;
  generation.model = test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf";
  generation.max_tokens = 24;
  options.generation = generation;
  retrieval::Conversation conversation(library, options);
  auto first = conversation.ask("When was the Tarrow Point Light first lit?");
  EXPECT_FALSE(first.answer.extractive);
  ASSERT_TRUE(first.answer.found);
  EXPECT_TRUE(contains(first.answer.context.windows.at(0).path, "tarrow-point-light.pdf"));
  auto second = conversation.ask("and how many steps does it have?");
  EXPECT_FALSE(second.answer.extractive);
  // Either the model's rewrite was about the conversation, or the rule stepped in.
  if (second.rewrite.method == "rule") {
    EXPECT_FALSE(second.rewrite.note.empty());
    EXPECT_TRUE(contains(second.rewrite.query, "Tarrow"));
  } else {
    EXPECT_EQ(second.rewrite.method, "model");
  }
  ASSERT_TRUE(second.answer.found);
  EXPECT_TRUE(contains(second.answer.context.windows.at(0).path, "tarrow-point-light.pdf"));
  for (const auto& citation : second.answer.citations) EXPECT_GE(citation.number, 1);
}

// A follow-up's prompt extends the first turn's verbatim, so the model's cache of it is reused;
// the sources shown before keep their numbers.
TEST(Conversation, FollowUpReusesTheFirstTurnsCachedPrompt) {
  DOCENT_REQUIRE_SHARED("fixtures/models/tiny-qwen2-f16.gguf");
  test::TempDir home;
  auto library = index::Library::open(home.path() / "lib");
  retrieval::ingest_paths(library, {test::source_dir() / "samples"}, {});
  retrieval::ConversationOptions options;
  retrieval::GenerativeOptions generation;
  generation.model = test::shared_dir() / "fixtures/models/tiny-qwen2-f16.gguf";
  generation.max_tokens = 12;
  generation.think_budget = 16;
  options.generation = generation;
  retrieval::Conversation conversation(library, options);
  auto first = conversation.ask("When was the Tarrow Point Light first lit?");
  ASSERT_TRUE(first.answer.generation.has_value());
  EXPECT_EQ(first.answer.generation->thinking_tokens, 16);
  EXPECT_EQ(first.answer.generation->thinking_stop, "budget");
  EXPECT_LE(first.answer.generation->answer_tokens, 12);
  const int first_prompt = first.answer.generation->prompt_tokens + first.answer.generation->reused_tokens;

  auto second = conversation.ask("and how many steps does it have?");
  ASSERT_TRUE(second.answer.generation.has_value());
  // The first prompt was cached up to the "<think>\n" that opened its answer (the template
  // drops the reasoning of earlier turns); only the answer and the new turn are run.
  EXPECT_EQ(second.answer.generation->reused_tokens, first_prompt - 2);
  EXPECT_LT(second.answer.generation->prompt_tokens, first_prompt);
  ASSERT_GE(second.answer.context.windows.size(), first.answer.context.windows.size());
  for (std::size_t i = 0; i < first.answer.context.windows.size(); ++i) {
    EXPECT_EQ(second.answer.context.windows[i].path, first.answer.context.windows[i].path);
    EXPECT_EQ(second.answer.context.windows[i].first_ordinal, first.answer.context.windows[i].first_ordinal);
  }

  // After a reset the next question starts a fresh prompt: only the instructions are shared.
  conversation.reset();
  auto fresh = conversation.ask("How many steps does the Tarrow Point Light have?");
  ASSERT_TRUE(fresh.answer.generation.has_value());
  EXPECT_LT(fresh.answer.generation->reused_tokens, 100);
}
