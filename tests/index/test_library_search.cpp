// Keyword search: ranking, snippets, titles and hostile input.

#include "index_test_helpers.hpp"
#include "query_text.hpp"
#include "test_support.hpp"

namespace docent::test {
namespace {

using index::Library;
using index::SearchOptions;
using index::detail::fts_or_query;
using index::detail::query_terms;

TEST(QueryTerms, ExtractsCaseFoldedUnicodeWords) {
  EXPECT_EQ(query_terms("Hello, WORLD! hello"), (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(query_terms("naïve Café 東京 2024"),
            (std::vector<std::string>{"naïve", "café", "東京", "2024"}));
  EXPECT_EQ(query_terms("x\"y(z)*"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(query_terms("  ()\"*-^:  ").empty());
  EXPECT_TRUE(query_terms("").empty());
  // Invalid UTF-8 separates words instead of failing.
  EXPECT_EQ(query_terms("ab\xff\xfe" "cd"), (std::vector<std::string>{"ab", "cd"}));
}

TEST(QueryTerms, DropsStopwordsUnlessNothingElseRemains) {
  EXPECT_EQ(query_terms("the effect of aspirin"),
            (std::vector<std::string>{"effect", "aspirin"}));
  EXPECT_EQ(query_terms("to be or not to be"), (std::vector<std::string>{"not"}));
  EXPECT_EQ(query_terms("the of and"), (std::vector<std::string>{"the", "of", "and"}));
  index::detail::QueryTermOptions keep;
  keep.drop_stopwords = false;
  EXPECT_EQ(query_terms("the effect", keep), (std::vector<std::string>{"the", "effect"}));
}

TEST(QueryTerms, LimitsTermCount) {
  std::string many;
  for (int i = 0; i < 500; ++i) many += "word" + std::to_string(i) + " ";
  EXPECT_EQ(query_terms(many).size(), 64u);
}

TEST(QueryTerms, OrQueryQuotesEveryTerm) {
  EXPECT_EQ(fts_or_query({"near", "and"}), "\"near\" OR \"and\"");
  EXPECT_EQ(fts_or_query({}), "");
}

class KeywordSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    library_.put_document(make_document(
        "/docs/birds.pdf", "Field guide",
        {"Herons wade in shallow water and hunt fish with quick strikes of the bill.",
         "Owls hunt at night; their feathers make flight almost silent."}));
    library_.put_document(make_document(
        "/docs/cooking.pdf", "Kitchen notes",
        {"Simmer the onions slowly until they are soft and golden.",
         "Fish cooked in parchment stays moist."}));
    library_.put_document(make_document(
        "/docs/volcano.pdf", "Volcanology primer",
        {"Basaltic lava flows are fluid and travel far from the vent."}));
  }
  Library library_ = Library::open_in_memory();
};

TEST_F(KeywordSearch, RanksChunkWithTheWordsFirst) {
  auto hits = library_.keyword_search("herons hunting fish", {});
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].path, "/docs/birds.pdf");
  EXPECT_EQ(hits[0].ordinal, 0);
  EXPECT_GT(hits[0].score, hits[1].score);
  for (std::size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].score, hits[i].score);
  EXPECT_GT(hits[0].score, 0.0);
  EXPECT_EQ(hits[0].title, "Field guide");
  EXPECT_EQ(hits[0].first_page, 1);
  EXPECT_EQ(hits[0].last_page, 1);
  EXPECT_EQ(hits[0].text, library_.chunk(hits[0].chunk_id)->text);
  EXPECT_EQ(hits[0].document_id, library_.find_document("/docs/birds.pdf")->id);
}

TEST_F(KeywordSearch, StemsAndIgnoresCaseAndDiacritics) {
  EXPECT_EQ(library_.keyword_search("SIMMERING onion", {}).at(0).path, "/docs/cooking.pdf");
  EXPECT_EQ(library_.keyword_search("basáltic", {}).at(0).path, "/docs/volcano.pdf");
}

TEST_F(KeywordSearch, SnippetWrapsMatchesInMarkers) {
  SearchOptions options;
  options.highlight_open = "<<";
  options.highlight_close = ">>";
  options.snippet_tokens = 8;
  auto hits = library_.keyword_search("owls", options);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("<<Owls>>"), std::string::npos) << hits[0].snippet;
  EXPECT_LT(hits[0].snippet.size(), hits[0].text.size());
}

TEST_F(KeywordSearch, TitleWordsMatch) {
  auto hits = library_.keyword_search("volcanology", {});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].path, "/docs/volcano.pdf");
  // A title change is re-indexed for every chunk of the document.
  auto renamed = make_document("/docs/volcano.pdf", "Lava handbook",
                               {"Basaltic lava flows are fluid and travel far from the vent."});
  library_.put_document(renamed);
  EXPECT_TRUE(library_.keyword_search("volcanology", {}).empty());
  EXPECT_EQ(library_.keyword_search("handbook", {}).size(), 1u);
}

TEST_F(KeywordSearch, LimitIsHonoured) {
  SearchOptions options;
  options.limit = 1;
  EXPECT_EQ(library_.keyword_search("fish hunt", options).size(), 1u);
  options.limit = 0;
  EXPECT_TRUE(library_.keyword_search("fish", options).empty());
}

TEST_F(KeywordSearch, EmptyAndPunctuationOnlyQueriesReturnNothing) {
  EXPECT_TRUE(library_.keyword_search("", {}).empty());
  EXPECT_TRUE(library_.keyword_search("   ", {}).empty());
  EXPECT_TRUE(library_.keyword_search("\"\"()*", {}).empty());
}

TEST_F(KeywordSearch, HostileQueriesNeverThrow) {
  const std::vector<std::string> queries = {
      "\"",
      "\"unbalanced quote",
      "((fish",
      "fish)",
      "NEAR(fish owls, 2)",
      "fish NEAR owls",
      "fish*",
      "*",
      "-fish",
      "fish AND",
      "AND OR NOT",
      "NOT fish",
      "title:volcanology",
      "{text title}: fish",
      "^fish",
      "fish + owls",
      "'; DROP TABLE documents; --",
      "日本語の検索",
      "😀 fish 🐟",
      "\xff\xfe\xfd",
      std::string("fish\0owls", 9),
      std::string(20000, 'a'),
      std::string(5000, '"'),
  };
  for (const std::string& query : queries) {
    EXPECT_NO_THROW(library_.keyword_search(query, {})) << query.substr(0, 40);
  }
  EXPECT_EQ(library_.keyword_search("NEAR(fish", {}).size(), 2u);
  EXPECT_FALSE(library_.keyword_search("title:volcanology", {}).empty());
  EXPECT_EQ(library_.documents().size(), 3u);
}

TEST_F(KeywordSearch, RemovedDocumentsVanishFromResults) {
  library_.remove_document(library_.find_document("/docs/birds.pdf")->id);
  for (const auto& hit : library_.keyword_search("fish owls herons", {}))
    EXPECT_NE(hit.path, "/docs/birds.pdf");
}

TEST_F(KeywordSearch, TitleWeightChangesRanking) {
  library_.put_document(make_document("/docs/title-only.pdf", "Parchment", {"unrelated words"}));
  SearchOptions title_heavy;
  title_heavy.title_weight = 50.0;
  EXPECT_EQ(library_.keyword_search("parchment", title_heavy).at(0).path, "/docs/title-only.pdf");
  SearchOptions text_heavy;
  text_heavy.text_weight = 50.0;
  text_heavy.title_weight = 0.01;
  EXPECT_EQ(library_.keyword_search("parchment", text_heavy).at(0).path, "/docs/cooking.pdf");
}

}  // namespace
}  // namespace docent::test
