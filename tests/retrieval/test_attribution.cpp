// Post-hoc attribution on fixed answer texts with known sources: markers that hold up, sentences
// linked to the source they restate, claims no source supports, and numbers one digit apart.
#include "attribution.hpp"
#include "docent/retrieval.hpp"
#include "test_support.hpp"

using namespace docent;

namespace {

retrieval::ContextWindow window(const std::string& path, int page, const std::string& text) {
  retrieval::ContextWindow w;
  w.path = path;
  w.first_page = w.last_page = page;
  w.text = text;
  return w;
}

// Two sources, as a model would have seen them as [1] and [2].
retrieval::Answer answer_with(const std::string& text) {
  retrieval::Answer answer;
  answer.extractive = false;
  answer.found = true;
  answer.text = text;
  answer.context.windows.push_back(window(
      "light.pdf", 3,
      "The weekly routine adds a check of the emergency batteries on Fridays. The batteries must show at least "
      "25.2 volts on the meter; anything lower means a call to the electrician. There are 212 steps between the "
      "store and the lantern gallery."));
  answer.context.windows.push_back(window(
      "trams.pdf", 4,
      "Car number 41, built in 1912, was driven by Ilse Marten on the last night. Thousands of people lined the "
      "route as the car arrived at the station."));
  return answer;
}

const retrieval::Citation* citation(const retrieval::Answer& answer, int number) {
  for (const auto& c : answer.citations)
    if (c.number == number) return &c;
  return nullptr;
}

}  // namespace

TEST(Attribution, AMarkerThatHoldsUpIsKeptAndQuotesTheSupportingSentence) {
  auto answer = answer_with("The batteries must show at least 25.2 volts [1].");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 1u);
  EXPECT_EQ(answer.sentences[0].text, "The batteries must show at least 25.2 volts.");
  EXPECT_EQ(answer.sentences[0].citations, std::vector<int>{1});
  EXPECT_FALSE(answer.sentences[0].attributed);
  EXPECT_FALSE(answer.sentences[0].unsupported);
  EXPECT_TRUE(answer.sentences[0].unsupported_markers.empty());
  const auto* c = citation(answer, 1);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->attributed);
  EXPECT_TRUE(c->supported);
  EXPECT_EQ(c->path, "light.pdf");
  EXPECT_EQ(c->page, 3);
  EXPECT_EQ(c->quote, "The batteries must show at least 25.2 volts on the meter; anything lower means a call to the electrician.");
}

TEST(Attribution, ASentenceWithoutAMarkerGetsTheSourceItRestates) {
  auto answer = answer_with("Ilse Marten drove car 41 on the last night. The batteries must show 25.2 volts.");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 2u);
  EXPECT_EQ(answer.sentences[0].citations, std::vector<int>{2});
  EXPECT_TRUE(answer.sentences[0].attributed);
  EXPECT_EQ(answer.sentences[1].citations, std::vector<int>{1});
  EXPECT_TRUE(answer.sentences[1].attributed);
  ASSERT_NE(citation(answer, 2), nullptr);
  EXPECT_TRUE(citation(answer, 2)->attributed);
  EXPECT_EQ(citation(answer, 2)->quote, "Car number 41, built in 1912, was driven by Ilse Marten on the last night.");
}

TEST(Attribution, NumbersOneDigitApartAreNotSupport) {
  // The same words with 25.3 instead of 25.2, 213 instead of 212, 1913 instead of 1912.
  auto answer = answer_with("The batteries must show at least 25.3 volts on the meter. There are 213 steps between the "
                            "store and the lantern gallery. Car 41 was built in 1913.");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 3u);
  for (const auto& sentence : answer.sentences) {
    EXPECT_TRUE(sentence.unsupported) << sentence.text;
    EXPECT_TRUE(sentence.citations.empty()) << sentence.text;
  }
  EXPECT_TRUE(answer.citations.empty());
  // The right numbers are supported.
  EXPECT_GE(retrieval::support_of("There are 212 steps to the lantern gallery.",
                                  "There are 212 steps between the store and the lantern gallery.").share,
            retrieval::kAttributionThreshold);
  EXPECT_EQ(retrieval::support_of("There are 213 steps to the lantern gallery.",
                                  "There are 212 steps between the store and the lantern gallery.").share,
            0.0);
}

TEST(Attribution, AMarkedSentenceWithAWrongNumberFlagsItsMarker) {
  auto answer = answer_with("The batteries must show at least 25.3 volts [1].");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 1u);
  EXPECT_EQ(answer.sentences[0].unsupported_markers, std::vector<int>{1});
  EXPECT_TRUE(answer.sentences[0].unsupported);
  const auto* c = citation(answer, 1);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->supported);
}

TEST(Attribution, AMarkerWhoseSentenceSharesNothingWithItsSourceIsFlagged) {
  // [2] is about trams; the sentence is about the batteries, which [1] supports.
  auto answer = answer_with("The batteries must show at least 25.2 volts [2]. Penguins migrate across the ice [1].");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 2u);
  EXPECT_EQ(answer.sentences[0].unsupported_markers, std::vector<int>{2});
  // Its claim is still found in [1], and linked there as attributed.
  EXPECT_EQ(answer.sentences[0].citations, std::vector<int>{1});
  EXPECT_TRUE(answer.sentences[0].attributed);
  EXPECT_EQ(answer.sentences[1].unsupported_markers, std::vector<int>{1});
  EXPECT_TRUE(answer.sentences[1].unsupported);
  ASSERT_NE(citation(answer, 2), nullptr);
  EXPECT_FALSE(citation(answer, 2)->supported);
  // [1] supports the first sentence (attributed), so it stands, though the model's own [1] did not.
  ASSERT_NE(citation(answer, 1), nullptr);
  EXPECT_TRUE(citation(answer, 1)->supported);
}

TEST(Attribution, AMarkerAfterTheFullStopBelongsToTheSentenceBefore) {
  auto answer = answer_with("Car 41 was driven by Ilse Marten. [2] There are 212 steps to the lantern gallery. [1]");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 2u);
  EXPECT_EQ(answer.sentences[0].citations, std::vector<int>{2});
  EXPECT_FALSE(answer.sentences[0].attributed);
  EXPECT_EQ(answer.sentences[1].citations, std::vector<int>{1});
  EXPECT_FALSE(answer.sentences[1].attributed);
}

TEST(Attribution, EachMarkerInsideASentenceVouchesForTheWordsBeforeIt) {
  auto answer = answer_with("Car 41 was built in 1912 [2] and the tower has 212 steps [1].");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 1u);
  EXPECT_EQ(answer.sentences[0].citations, (std::vector<int>{2, 1}));
  EXPECT_TRUE(answer.sentences[0].unsupported_markers.empty());
}

TEST(Attribution, SayingTheSourcesDoNotAnswerIsNoClaim) {
  auto answer = answer_with("I cannot find the lamp's wattage in the documents.");
  retrieval::attribute_answer(answer);
  ASSERT_EQ(answer.sentences.size(), 1u);
  EXPECT_FALSE(answer.sentences[0].unsupported);
  EXPECT_TRUE(answer.citations.empty());
}
