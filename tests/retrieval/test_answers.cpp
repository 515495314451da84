// Extractive answers: what kind of answer a question asks for, sentences as a reader sees them
// (joined across page breaks, headings apart), and answers that quote the answering sentence.
#include "answer_kind.hpp"
#include "docent/retrieval.hpp"
#include "source_sentences.hpp"
#include "test_support.hpp"
#include "text_terms.hpp"

using namespace docent;
using retrieval::AnswerKind;

namespace {

std::set<std::string> terms_of(const std::string& text) {
  auto terms = retrieval::content_terms(text);
  return {terms.begin(), terms.end()};
}

// A library of one document whose pages are given; chunks as `docent ingest` makes them.
index::Library library_with(const std::string& path, const std::vector<std::string>& page_texts) {
  auto library = index::Library::open_in_memory();
  index::NewDocument record;
  record.document.path = path;
  record.document.title = path;
  record.document.status = ingest::DocumentStatus::ok;
  std::vector<ingest::Page> pages;
  for (std::size_t i = 0; i < page_texts.size(); ++i) {
    pages.push_back({static_cast<int>(i) + 1, page_texts[i], ingest::PageStatus::ok});
    record.pages.push_back({static_cast<int>(i) + 1, page_texts[i], "ok"});
  }
  record.document.page_count = static_cast<int>(pages.size());
  record.chunks = retrieval::chunk_records(pages, {}, retrieval::token_counter_for(library));
  record.document.chunk_count = static_cast<std::int64_t>(record.chunks.size());
  library.put_document(record);
  return library;
}

std::string sentence_text(const retrieval::ContextWindow& window, const retrieval::SourceSentence& sentence) {
  return retrieval::one_line(window.text.substr(sentence.start, sentence.end - sentence.start));
}

}  // namespace

TEST(AnswerKind, IsReadFromTheQuestionWords) {
  EXPECT_EQ(retrieval::answer_kind("When was the Tarrow Point Light first lit?"), AnswerKind::time);
  EXPECT_EQ(retrieval::answer_kind("On what date did the first horse tram line open?"), AnswerKind::time);
  EXPECT_EQ(retrieval::answer_kind("In which year did the depot burn?"), AnswerKind::time);
  EXPECT_EQ(retrieval::answer_kind("How many tram cars were destroyed?"), AnswerKind::quantity);
  EXPECT_EQ(retrieval::answer_kind("How much did the lamp cost?"), AnswerKind::quantity);
  EXPECT_EQ(retrieval::answer_kind("What is the minimum voltage the batteries must show?"), AnswerKind::quantity);
  EXPECT_EQ(retrieval::answer_kind("Who drove car 41 on the last night?"), AnswerKind::person);
  EXPECT_EQ(retrieval::answer_kind("Where is the fog signal house?"), AnswerKind::place);
  EXPECT_EQ(retrieval::answer_kind("Which city bought the company?"), AnswerKind::place);
  EXPECT_EQ(retrieval::answer_kind("What did the inquiry criticise?"), AnswerKind::any);
  EXPECT_EQ(retrieval::answer_kind("How did the fire spread?"), AnswerKind::any);
}

TEST(AnswerKind, EvidenceIsWhatTheQuestionDoesNotAlreadyName) {
  auto question = terms_of("How many tram cars were destroyed in the 1947 Kessel Lane depot fire?");
  // A count next to the noun the question counts is the clearest evidence.
  EXPECT_DOUBLE_EQ(retrieval::kind_evidence(AnswerKind::quantity, "by morning 23 cars had been destroyed", question), 1.0);
  // The question's own year, and a day of the month, are not a count.
  EXPECT_LT(retrieval::kind_evidence(AnswerKind::quantity, "On the night of 9 March 1947 a fire broke out.", question), 0.5);
  EXPECT_DOUBLE_EQ(retrieval::kind_evidence(AnswerKind::quantity, "A fire broke out in 1947.", question), 0.0);

  auto when = terms_of("When did the last tram run?");
  EXPECT_DOUBLE_EQ(retrieval::kind_evidence(AnswerKind::time, "The last tram ran on 30 September 1974.", when), 1.0);
  EXPECT_DOUBLE_EQ(retrieval::kind_evidence(AnswerKind::time, "The last tram ran on Route 3.", when), 0.0);

  auto who = terms_of("Who drove car 41?");
  EXPECT_DOUBLE_EQ(retrieval::kind_evidence(AnswerKind::person, "Car 41 was driven by Ilse Marten.", who), 1.0);
  EXPECT_DOUBLE_EQ(retrieval::kind_evidence(AnswerKind::person, "Car 41 was driven slowly.", who), 0.0);
}

TEST(SourceSentences, ASentenceCutByAPageBreakIsOneSentenceOnBothPages) {
  auto library = library_with("tram.pdf", {"The last tram ran on 30 September 1974 on Route 3, from Market Square to\n"
                                           "the station, the same streets",
                                           "the first horse car had taken. Car 41 was driven by Ilse Marten."});
  auto context = retrieval::assemble_context(library, "last tram Route 3 Ilse Marten", {}, retrieval::token_counter_for(library));
  ASSERT_EQ(context.windows.size(), 1u);
  const auto& window = context.windows.front();
  auto sentences = retrieval::source_sentences(window);
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentence_text(window, sentences[0]),
            "The last tram ran on 30 September 1974 on Route 3, from Market Square to the station, the same streets "
            "the first horse car had taken.");
  EXPECT_EQ(sentences[0].first_page, 1);
  EXPECT_EQ(sentences[0].last_page, 2);
  EXPECT_EQ(sentences[1].first_page, 2);
  EXPECT_EQ(sentences[1].last_page, 2);
}

TEST(SourceSentences, AHeadingLineIsNotGluedToTheSentenceUnderIt) {
  retrieval::ContextWindow window;
  window.first_page = window.last_page = 1;
  window.text = "Fire and war\nOn the night of 9 March 1947 a fire broke out in the paint shop of Kessel Lane\n"
                "depot. It spread quickly.\nIn\n1924 the city appointed its first women drivers.";
  auto sentences = retrieval::source_sentences(window);
  ASSERT_EQ(sentences.size(), 4u);
  EXPECT_TRUE(sentences[0].heading);
  EXPECT_EQ(sentence_text(window, sentences[0]), "Fire and war");
  EXPECT_FALSE(sentences[1].heading);
  EXPECT_EQ(sentence_text(window, sentences[1]).substr(0, 16), "On the night of ");
  // A line ending in a word that needs a continuation is no heading.
  EXPECT_FALSE(sentences[3].heading);
  EXPECT_EQ(sentence_text(window, sentences[3]), "In 1924 the city appointed its first women drivers.");
}

TEST(ExtractiveAnswer, QuotesTheAnsweringSentenceAcrossAPageBreakAndCitesBothPages) {
  auto library = library_with(
      "duties.pdf",
      {"Daily duties of the keepers. The weekly routine adds a check of the emergency batteries on Fridays, and a "
       "test of the standby motor. The batteries must show at least 25.2 volts on the meter; anything lower means a "
       "call to the",
       "electrician. The emergency batteries at Tarrow Point are kept in the store."});
  retrieval::AnswerOptions options;
  auto answer = retrieval::answer_extractive(library, "What is the minimum voltage the emergency batteries must show?", options);
  ASSERT_TRUE(answer.found);
  ASSERT_FALSE(answer.sentences.empty());
  EXPECT_EQ(answer.sentences.front().text,
            "The batteries must show at least 25.2 volts on the meter; anything lower means a call to the electrician.");
  ASSERT_FALSE(answer.citations.empty());
  EXPECT_EQ(answer.citations.front().page, 1);
  EXPECT_EQ(answer.citations.front().last_page, 2);
}

TEST(ExtractiveAnswer, PrefersTheSentenceWithTheDateOverTheOpening) {
  auto library = library_with(
      "history.pdf",
      {"This short history of the Brennmoor horse tram follows the network from its first horse cars to the "
       "last night of service. The company was founded in 1887 by merchants. Its first line opened on 14 May 1889 "
       "and ran from the station to Market Square."});
  auto answer =
      retrieval::answer_extractive(library, "On what date did the first Brennmoor horse tram line open?", {});
  ASSERT_TRUE(answer.found);
  EXPECT_NE(answer.sentences.front().text.find("14 May 1889"), std::string::npos) << answer.text;
}

TEST(ExtractiveAnswer, SaysSoWhenThePassagesCoverTooLittleOfTheQuestion) {
  auto library = library_with(
      "history.pdf",
      {"The Brennmoor Street Railway Company was founded in 1887. Its first line opened on 14 May 1889 and ran "
       "from the station to Market Square. By 1895 the horse network had grown to four lines."});
  // The topic's words are there; what is asked about is not.
  auto answer = retrieval::answer_extractive(library, "Who designed the airport terminal at Brennmoor?", {});
  EXPECT_FALSE(answer.found) << answer.text;
  EXPECT_FALSE(answer.abstain_reason.empty());
  EXPECT_TRUE(answer.sentences.empty());
  EXPECT_TRUE(answer.citations.empty());
  // The same library answers what it holds.
  auto held = retrieval::answer_extractive(library, "When did the first Brennmoor line open?", {});
  EXPECT_TRUE(held.found);
  EXPECT_TRUE(held.abstain_reason.empty());
}
