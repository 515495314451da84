#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "docent/ingest.hpp"
#include "ingest_internal.hpp"

namespace docent::ingest {
namespace {

std::vector<Page> make_pages(const std::vector<std::string>& texts) {
  std::vector<Page> pages;
  for (std::size_t i = 0; i < texts.size(); ++i) pages.push_back({int(i) + 1, texts[i], PageStatus::ok});
  return pages;
}

// Distinct, numbered sentences so overlaps and orders can be checked by content.
std::string numbered_sentences(int first, int count, int page) {
  std::string text;
  for (int i = first; i < first + count; ++i) {
    text += "Sentence " + std::to_string(i) + " on page " + std::to_string(page) +
            " describes the keeper's duties in some detail. ";
    if (i % 4 == 3) text += "\n\n";
  }
  return text;
}

std::vector<std::string_view> sentence_texts(std::string_view paragraph) {
  std::vector<std::string_view> out;
  for (const auto& span : detail::split_sentences(paragraph)) out.push_back(paragraph.substr(span.start, span.end - span.start));
  return out;
}

void expect_offsets_invariant(const std::vector<Page>& pages, const std::vector<Chunk>& chunks) {
  const std::string joined = detail::join_pages(pages);
  const auto starts = page_start_offsets(pages);
  for (const Chunk& chunk : chunks) {
    ASSERT_LE(chunk.start_offset, chunk.end_offset);
    ASSERT_LE(chunk.end_offset, joined.size());
    std::string expected = joined.substr(chunk.start_offset, chunk.end_offset - chunk.start_offset);
    std::replace(expected.begin(), expected.end(), '\f', '\n');
    EXPECT_EQ(chunk.text, expected) << "chunk " << chunk.ordinal;
    // Pages of the first and last byte.
    const auto page_of = [&](std::size_t offset) {
      std::size_t index = std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin() - 1;
      return pages[index].number;
    };
    EXPECT_EQ(chunk.first_page, page_of(chunk.start_offset));
    EXPECT_EQ(chunk.last_page, page_of(chunk.end_offset - 1));
  }
}

TEST(Sentences, SplitsOnTerminalPunctuation) {
  const auto sentences = sentence_texts("The lamp was lit. Was it bright? Yes! \"Quite so.\" Then it rained.");
  ASSERT_EQ(sentences.size(), 5u);
  EXPECT_EQ(sentences[0], "The lamp was lit.");
  EXPECT_EQ(sentences[3], "\"Quite so.\"");
  EXPECT_EQ(sentences[4], "Then it rained.");
}

TEST(Sentences, KnowsAbbreviationsInitialsAndDecimals) {
  const auto sentences = sentence_texts(
      "Dr. Okafor measured 3.5 metres, e.g. The tower. See Fig. 2 for details. J. R. Smith agreed. "
      "Lenses etc. were cleaned.");
  ASSERT_EQ(sentences.size(), 4u) << sentences[0];
  EXPECT_EQ(sentences[0], "Dr. Okafor measured 3.5 metres, e.g. The tower.");
  EXPECT_EQ(sentences[1], "See Fig. 2 for details.");
  EXPECT_EQ(sentences[2], "J. R. Smith agreed.");
}

TEST(Sentences, LowercaseAfterPeriodDoesNotSplit) {
  EXPECT_EQ(sentence_texts("Version 2. the next line continues.").size(), 1u);
  EXPECT_EQ(sentence_texts("").size(), 0u);
  EXPECT_EQ(sentence_texts("   ").size(), 0u);
  EXPECT_EQ(sentence_texts("no final stop").size(), 1u);
}

TEST(Sentences, PublicSpansCoverParagraphsInOrder) {
  const std::string text = "## Soil\n\nThe soil is clay. A test showed a pH of 6.2, e.g. acid.\nNext line here.\n\nLast one.";
  std::vector<std::string> got;
  for (const auto& span : sentence_spans(text)) got.push_back(text.substr(span.start, span.end - span.start));
  const std::vector<std::string> expected = {"## Soil", "The soil is clay.", "A test showed a pH of 6.2, e.g. acid.",
                                             "Next line here.", "Last one."};
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(sentence_spans("").empty());
}

TEST(Paragraphs, BlankLinesSeparate) {
  const std::string text = "one\ntwo\n\n  \nthree\n\n\nfour  ";
  const auto paragraphs = detail::split_paragraphs(text);
  ASSERT_EQ(paragraphs.size(), 3u);
  EXPECT_EQ(text.substr(paragraphs[0].start, paragraphs[0].end - paragraphs[0].start), "one\ntwo");
  EXPECT_EQ(text.substr(paragraphs[2].start, paragraphs[2].end - paragraphs[2].start), "four");
}

TEST(TokenEstimate, CountsWordsPunctuationAndLongWords) {
  EXPECT_EQ(approximate_token_count(""), 0u);
  EXPECT_EQ(approximate_token_count("   \n"), 0u);
  EXPECT_EQ(approximate_token_count("The cat sat."), 4u);
  EXPECT_EQ(approximate_token_count("internationalisation"), 5u);  // 20 letters / 4
  EXPECT_EQ(approximate_token_count("1234567"), 3u);
  // Additive across whitespace, which the chunker relies on.
  const std::string a = "Hello, world! It's 2024.";
  const std::string b = "Another sentence-with hyphens.";
  EXPECT_EQ(approximate_token_count(a + " " + b), approximate_token_count(a) + approximate_token_count(b));
}

TEST(Chunker, EmptyInputGivesNoChunks) {
  EXPECT_TRUE(chunk_pages({}, ChunkOptions{}, approximate_token_count).empty());
  EXPECT_TRUE(chunk_pages(make_pages({"", "", ""}), ChunkOptions{}, approximate_token_count).empty());
  EXPECT_TRUE(chunk_pages(make_pages({"  \n\n "}), ChunkOptions{}, approximate_token_count).empty());
}

TEST(Chunker, ShortDocumentIsOneChunk) {
  const auto pages = make_pages({"A single short page. It has two sentences."});
  const auto chunks = chunk_pages(pages, ChunkOptions{}, approximate_token_count);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].text, pages[0].text);
  EXPECT_EQ(chunks[0].first_page, 1);
  EXPECT_EQ(chunks[0].last_page, 1);
  EXPECT_EQ(chunks[0].token_count, approximate_token_count(pages[0].text));
}

TEST(Chunker, LimitsOverlapPagesAndOffsets) {
  const auto pages = make_pages({numbered_sentences(0, 30, 1), "", numbered_sentences(30, 30, 3),
                                 numbered_sentences(60, 30, 4)});
  ChunkOptions options;
  options.target_tokens = 60;
  options.max_tokens = 80;
  options.overlap_tokens = 15;
  const auto chunks = chunk_pages(pages, options, approximate_token_count);
  ASSERT_GT(chunks.size(), 10u);
  expect_offsets_invariant(pages, chunks);
  bool crossed_pages = false;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].ordinal, int(i));
    EXPECT_LE(chunks[i].token_count, options.max_tokens);
    EXPECT_EQ(chunks[i].token_count, approximate_token_count(chunks[i].text));
    EXPECT_NE(chunks[i].first_page, 2) << "page 2 is empty";
    if (chunks[i].first_page != chunks[i].last_page) crossed_pages = true;
    if (i == 0) continue;
    // Consecutive chunks overlap: the next starts inside the previous and moves forward.
    EXPECT_LT(chunks[i].start_offset, chunks[i - 1].end_offset) << "no overlap before chunk " << i;
    EXPECT_GT(chunks[i].start_offset, chunks[i - 1].start_offset);
    EXPECT_GT(chunks[i].end_offset, chunks[i - 1].end_offset);
    const std::size_t overlap_tokens = approximate_token_count(
        detail::join_pages(pages).substr(chunks[i].start_offset, chunks[i - 1].end_offset - chunks[i].start_offset));
    EXPECT_LE(overlap_tokens, options.overlap_tokens);
  }
  EXPECT_TRUE(crossed_pages);
  // Every sentence lands in some chunk.
  for (int n : {0, 29, 30, 59, 60, 89}) {
    const std::string needle = "Sentence " + std::to_string(n) + " ";
    EXPECT_TRUE(std::any_of(chunks.begin(), chunks.end(), [&](const Chunk& c) { return c.text.find(needle) != std::string::npos; }))
        << needle;
  }
  EXPECT_EQ(chunks.front().first_page, 1);
  EXPECT_EQ(chunks.back().last_page, 4);
}

TEST(Chunker, PrefersToEndAtParagraphs) {
  // Paragraphs of four sentences (72 tokens); with a target of 90 a fifth sentence would fit, but
  // the chunk is three quarters full at the paragraph end, so it stops there.
  const auto pages = make_pages({numbered_sentences(0, 40, 1)});
  const auto chunks = chunk_pages(pages, ChunkOptions{90, 120, 0}, approximate_token_count);
  ASSERT_GT(chunks.size(), 5u);
  for (const Chunk& chunk : chunks) {
    EXPECT_EQ(chunk.text.find("\n\n"), std::string::npos) << chunk.text;
    EXPECT_EQ(chunk.text.rfind("Sentence ", 0), 0u);
  }
}

TEST(Chunker, ZeroOverlapMeansDisjointChunks) {
  const auto pages = make_pages({numbered_sentences(0, 40, 1)});
  const auto chunks = chunk_pages(pages, ChunkOptions{50, 64, 0}, approximate_token_count);
  ASSERT_GT(chunks.size(), 3u);
  for (std::size_t i = 1; i < chunks.size(); ++i) EXPECT_GE(chunks[i].start_offset, chunks[i - 1].end_offset);
  expect_offsets_invariant(pages, chunks);
}

TEST(Chunker, GiantSentenceIsSplitOnWords) {
  std::string giant;
  for (int i = 0; i < 3000; ++i) giant += "word" + std::to_string(i % 10) + " ";
  const auto pages = make_pages({"Short opening sentence. " + giant + "and done.", "Next page sentence."});
  ChunkOptions options;
  options.target_tokens = 100;
  options.max_tokens = 128;
  options.overlap_tokens = 20;
  const auto chunks = chunk_pages(pages, options, approximate_token_count);
  ASSERT_GT(chunks.size(), 40u);
  expect_offsets_invariant(pages, chunks);
  for (const Chunk& chunk : chunks) {
    EXPECT_LE(chunk.token_count, options.max_tokens);
    // Cuts fall between words.
    EXPECT_NE(chunk.text.front(), ' ');
    EXPECT_TRUE(chunk.start_offset == 0 || chunk.text.rfind("word", 0) == 0 || chunk.text.rfind("and", 0) == 0 ||
                chunk.text.rfind("Next", 0) == 0)
        << chunk.text.substr(0, 20);
  }
  EXPECT_EQ(chunks.back().last_page, 2);
}

TEST(Chunker, GiantWordWithoutSpacesIsCutAnyway) {
  const auto pages = make_pages({std::string(5000, 'x') + " tail."});
  const ChunkOptions options{50, 64, 10};
  const auto chunks = chunk_pages(pages, options, approximate_token_count);
  ASSERT_GT(chunks.size(), 10u);
  for (const Chunk& chunk : chunks) EXPECT_LE(chunk.token_count, options.max_tokens);
  expect_offsets_invariant(pages, chunks);
}

TEST(Chunker, NonAdditiveCounterStillRespectsMax) {
  // A counter that charges extra for length beyond the sum of its parts (as real tokenizers can
  // be slightly non-additive): the final check must still hold max_tokens.
  const TokenCounter lumpy = [](std::string_view text) { return approximate_token_count(text) + text.size() / 40; };
  const auto pages = make_pages({numbered_sentences(0, 60, 1)});
  const ChunkOptions options{90, 100, 20};
  const auto chunks = chunk_pages(pages, options, lumpy);
  ASSERT_GT(chunks.size(), 5u);
  for (const Chunk& chunk : chunks) {
    EXPECT_LE(chunk.token_count, options.max_tokens);
    EXPECT_EQ(chunk.token_count, lumpy(chunk.text));
  }
  expect_offsets_invariant(pages, chunks);
}

TEST(Chunker, PageStartOffsetsMatchJoinedText) {
  const auto pages = make_pages({"abc", "", "de"});
  const auto starts = page_start_offsets(pages);
  ASSERT_EQ(starts.size(), 3u);
  const std::string joined = detail::join_pages(pages);
  EXPECT_EQ(joined, std::string("abc\n\f\n\fde"));
  EXPECT_EQ(starts[0], 0u);
  EXPECT_EQ(starts[1], 5u);
  EXPECT_EQ(starts[2], 7u);
  EXPECT_EQ(joined.substr(starts[2], 2), "de");
}

TEST(Chunker, RejectsZeroMax) {
  EXPECT_THROW(chunk_pages(make_pages({"text"}), ChunkOptions{0, 0, 0}, approximate_token_count), std::invalid_argument);
}

}  // namespace
}  // namespace docent::ingest
