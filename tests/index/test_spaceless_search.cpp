// Words inside Chinese, Japanese and Thai sentences (no spaces between words) and Korean words
// with particles are found, highlighted whole, and English is tokenized exactly as before.

#include <algorithm>
#include <set>

#include "index_test_helpers.hpp"
#include "query_text.hpp"
#include "schema.hpp"
#include "test_support.hpp"
#include "word_breaks.hpp"

namespace docent::test {
namespace {

using index::Library;
using index::SearchOptions;
using index::detail::query_terms;

std::vector<std::string> pieces_of(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& stretch : index::detail::stretches(text)) {
    const std::string_view part = stretch.range.of(text);
    if (!stretch.spaceless) continue;
    for (const auto& word : index::detail::dictionary_words(part))
      for (const auto& piece : index::detail::script_pieces(word.of(part))) out.emplace_back(piece.of(word.of(part)));
  }
  return out;
}

TEST(WordBreaks, EnglishIsOnePlainStretch) {
  const std::string text = "Herons wade in shallow water — naïve café, 3.5 mg/kg.";
  const auto parts = index::detail::stretches(text);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_FALSE(parts[0].spaceless);
  EXPECT_EQ(parts[0].range.begin, 0u);
  EXPECT_EQ(parts[0].range.end, text.size());
}

TEST(WordBreaks, StretchesCoverTheTextInOrder) {
  const std::string text = "Intro: 我们在北京大学学习。 Then English again; 東京 end";
  std::size_t next = 0;
  std::vector<std::string> spaceless;
  for (const auto& stretch : index::detail::stretches(text)) {
    EXPECT_EQ(stretch.range.begin, next);
    next = stretch.range.end;
    if (stretch.spaceless) spaceless.emplace_back(stretch.range.of(text));
  }
  EXPECT_EQ(next, text.size());
  EXPECT_EQ(spaceless, (std::vector<std::string>{"我们在北京大学学习", "東京"}));
}

TEST(WordBreaks, DictionaryCutsChineseJapaneseAndThai) {
  EXPECT_EQ(pieces_of("我们在北京大学学习中文。"),
            (std::vector<std::string>{"我们", "在", "北京", "大学", "学习", "中文"}));
  // ICU keeps 東京タワー whole; the script change cuts it again.
  const auto japanese = pieces_of("東京タワーは1958年に完成した。");
  EXPECT_NE(std::find(japanese.begin(), japanese.end(), "東京"), japanese.end());
  EXPECT_NE(std::find(japanese.begin(), japanese.end(), "タワー"), japanese.end());
  EXPECT_NE(std::find(japanese.begin(), japanese.end(), "完成"), japanese.end());
  EXPECT_EQ(pieces_of("ภาษาไทยเป็นภาษาที่สวยงาม"),
            (std::vector<std::string>{"ภาษา", "ไทย", "เป็น", "ภาษา", "ที่", "สวยงาม"}));
}

TEST(WordBreaks, FoldsHalfWidthKatakanaAndFullWidthLatin) {
  EXPECT_EQ(index::detail::fold_spaceless("ｶﾀｶﾅ"), "カタカナ");
  EXPECT_EQ(index::detail::fold_spaceless("ＡＢＣ"), "abc");
}

TEST(QueryTerms, CutsSpacelessSentencesIntoWords) {
  EXPECT_EQ(query_terms("北京大学"), (std::vector<std::string>{"北京", "大学"}));
  // Lone hiragana particles (は, に) are dropped like English stopwords; the compound stays one
  // term (a phrase once FTS5 cuts it).
  const auto japanese = query_terms("東京タワーはいつ完成");
  EXPECT_EQ(japanese, (std::vector<std::string>{"東京タワー", "いつ", "完成"}));
  EXPECT_EQ(query_terms("は"), (std::vector<std::string>{"は"}));
  EXPECT_EQ(query_terms("ภาษาไทย"), (std::vector<std::string>{"ภาษา", "ไทย"}));
}

TEST(QueryTerms, KoreanTermsMatchAsPrefixes) {
  EXPECT_EQ(index::detail::fts_or_query({"서울", "seoul"}), "\"서울\"* OR \"seoul\"");
}

class SpacelessSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    library_.put_document(make_document("/docs/tokyo.txt", "東京の案内",
                                        {"東京タワーは1958年に完成した。高さは333メートルです。",
                                         "京都には古い寺がたくさんあります。"}));
    library_.put_document(make_document("/docs/beijing.txt", "北京笔记",
                                        {"我们在北京大学学习中文。图书馆很大。"}));
    library_.put_document(make_document("/docs/seoul.txt", "서울 안내",
                                        {"서울은 한국의 수도입니다. 한강이 서울을 가로지릅니다."}));
    library_.put_document(make_document("/docs/thai.txt", "ภาษา",
                                        {"ภาษาไทยเป็นภาษาที่สวยงาม และมีวรรณยุกต์ห้าเสียง"}));
    library_.put_document(make_document("/docs/english.txt", "Notes",
                                        {"Tokyo Tower was completed in 1958 and is 333 metres tall."}));
  }

  std::vector<index::KeywordHit> search(const std::string& query) const {
    SearchOptions options;
    options.highlight_open = "<<";
    options.highlight_close = ">>";
    return library_.keyword_search(query, options);
  }

  Library library_ = Library::open_in_memory();
};

TEST_F(SpacelessSearch, JapaneseWordInsideASentenceIsFound) {
  auto hits = search("東京");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, "/docs/tokyo.txt");
  EXPECT_EQ(hits[0].ordinal, 0);
  EXPECT_NE(hits[0].snippet.find("<<東京>>タワー"), std::string::npos) << hits[0].snippet;
  hits = search("完成");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("<<完成>>した"), std::string::npos) << hits[0].snippet;
  // A compound query is a phrase of its pieces, highlighted as one.
  hits = search("東京タワー");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, "/docs/tokyo.txt");
  EXPECT_NE(hits[0].snippet.find("<<東京タワー>>は"), std::string::npos) << hits[0].snippet;
}

TEST_F(SpacelessSearch, JapaneseWordsDoNotMatchInsideOtherWords) {
  // 京都 (Kyoto) is in the second chunk only; 東京 holds 京 but is another word.
  auto hits = search("京都");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].ordinal, 1);
  EXPECT_TRUE(search("大阪").empty());
}

TEST_F(SpacelessSearch, ChineseWordInsideASentenceIsFound) {
  auto hits = search("北京");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].path, "/docs/beijing.txt");  // the title 北京笔记 is the same document
  EXPECT_NE(hits[0].snippet.find("<<北京>>大学"), std::string::npos) << hits[0].snippet;
  // The dictionary cuts 图书馆 into 图书 + 馆 in the query as in the text; the markers sit on
  // those words and nothing else changes in the snippet.
  hits = search("图书馆");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("。<<图书>><<馆>>很大"), std::string::npos) << hits[0].snippet;
  std::string unmarked = hits[0].snippet;
  for (const std::string marker : {"<<", ">>"})
    for (auto at = unmarked.find(marker); at != std::string::npos; at = unmarked.find(marker)) unmarked.erase(at, 2);
  EXPECT_EQ(unmarked, hits[0].text);
  // A question in a sentence finds the chunk by its words.
  hits = search("北京的大学");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, "/docs/beijing.txt");
}

TEST_F(SpacelessSearch, KoreanNounFindsItsFormsWithParticles) {
  auto hits = search("서울");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].path, "/docs/seoul.txt");
  EXPECT_NE(hits[0].snippet.find("<<서울은>>"), std::string::npos) << hits[0].snippet;
  EXPECT_NE(hits[0].snippet.find("<<서울을>>"), std::string::npos) << hits[0].snippet;
  hits = search("한국");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("<<한국의>>"), std::string::npos) << hits[0].snippet;
  EXPECT_TRUE(search("부산").empty());
}

TEST_F(SpacelessSearch, ThaiWordInsideASentenceIsFound) {
  auto hits = search("สวยงาม");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].path, "/docs/thai.txt");
  EXPECT_NE(hits[0].snippet.find("<<สวยงาม>>"), std::string::npos) << hits[0].snippet;
  hits = search("ไทย");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("ภาษา<<ไทย>>"), std::string::npos) << hits[0].snippet;
}

TEST_F(SpacelessSearch, DigitsAndLatinInsideCjkTextAreOrdinaryWords) {
  auto hits = search("1958");
  ASSERT_EQ(hits.size(), 2u);
  std::set<std::string> paths;
  for (const auto& hit : hits) paths.insert(hit.path);
  EXPECT_EQ(paths, (std::set<std::string>{"/docs/tokyo.txt", "/docs/english.txt"}));
  library_.put_document(make_document("/docs/mixed.txt", "", {"這是Unicode字符串的測試documents"}));
  hits = search("document");  // stemmed like any English word
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].path, "/docs/mixed.txt");
}

TEST_F(SpacelessSearch, HalfWidthKatakanaMeetsFullWidth) {
  library_.put_document(make_document("/docs/kana.txt", "", {"ｶﾀｶﾅの説明"}));
  auto hits = search("カタカナ");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].path, "/docs/kana.txt");
  EXPECT_NE(hits[0].snippet.find("<<ｶﾀｶﾅ>>"), std::string::npos) << hits[0].snippet;
}

// The terms FTS5 stores for `text` with the given tokenizer, through the fts5vocab table.
std::vector<std::string> indexed_terms(RawDatabase& db, const std::string& tokenizer, const std::string& text) {
  db.execute("DROP TABLE IF EXISTS probe_vocab; DROP TABLE IF EXISTS probe");
  db.execute("CREATE VIRTUAL TABLE probe USING fts5(body, tokenize = '" + tokenizer + "')");
  db.execute("CREATE VIRTUAL TABLE probe_vocab USING fts5vocab(probe, 'instance')");
  sqlite3_stmt* insert = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.handle(), "INSERT INTO probe(body) VALUES (?1)", -1, &insert, nullptr), SQLITE_OK);
  sqlite3_bind_text(insert, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE);
  sqlite3_finalize(insert);
  sqlite3_stmt* read = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.handle(), "SELECT term FROM probe_vocab ORDER BY offset", -1, &read, nullptr),
            SQLITE_OK);
  std::vector<std::string> terms;
  while (sqlite3_step(read) == SQLITE_ROW) terms.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(read, 0)));
  sqlite3_finalize(read);
  return terms;
}

TEST(WordTokenizer, GivesEuropeanTextExactlyTheTokensOfPorterUnicode61) {
  TempDir temp;
  { Library::open(temp.path()); }
  RawDatabase db(temp.path() / "library.sqlite3");
  const std::string text =
      "Randomised trials of β-blockers (n=1,204) showed a 3.5% drop; naïve CAFÉ-goers' "
      "e-mail — Übermäßig größere Ärzte, señor, Straße; Ελληνικά κείμενα; русский текст; "
      "under_score x86-64 2019-03-01 \xcc\x81stray mark\tand\nnewlines.";
  const auto plain = indexed_terms(db, "porter unicode61 remove_diacritics 2", text);
  const auto ours = indexed_terms(db, "docent_words porter unicode61 remove_diacritics 2", text);
  ASSERT_GT(plain.size(), 30u);
  EXPECT_EQ(ours, plain);
}

TEST(WordTokenizer, MixedTextKeepsPositionsAndOffsetsInOrder) {
  TempDir temp;
  { Library::open(temp.path()); }
  RawDatabase db(temp.path() / "library.sqlite3");
  const auto terms = indexed_terms(db, "docent_words porter unicode61 remove_diacritics 2",
                                   "Running 東京タワー quickly, then ภาษาไทย and 서울은 walking");
  EXPECT_EQ(terms, (std::vector<std::string>{"run", "東京", "タワー", "quickli", "then", "ภาษา", "ไทย", "and",
                                             "서울은", "walk"}));
}

// A library written before the index cut spaceless scripts: its chunk index as version 1 made
// it, without the columns later versions added.
void make_version_one(const std::filesystem::path& dir) {
  RawDatabase raw(dir / "library.sqlite3");
  raw.execute(
      "ALTER TABLE documents DROP COLUMN unit;"
      "ALTER TABLE chunks DROP COLUMN from_ocr;"
      "DROP TABLE chunk_search;"
      "CREATE VIRTUAL TABLE chunk_search USING fts5(text, title, content = 'chunk_search_source', "
      "content_rowid = 'chunk_id', tokenize = 'porter unicode61 remove_diacritics 2');"
      "INSERT INTO chunk_search(chunk_search) VALUES ('rebuild');"
      "PRAGMA user_version = 1;");
}

TEST(SpacelessUpgrade, OldLibraryIsReindexedOnceWithNothingLost) {
  TempDir temp;
  {
    Library library = Library::open(temp.path());
    library.put_document(make_document("/docs/tokyo.txt", "Tokyo", {"東京タワーは1958年に完成した。", "Herons wade."}));
    library.put_document(make_document("/docs/birds.txt", "Birds", {"Owls hunt at night."}));
  }
  make_version_one(temp.path());
  {
    // Read-only commands keep working on the old index until something opens it for writing.
    Library old = Library::open(temp.path(), Library::Mode::read_only);
    EXPECT_EQ(old.schema_version(), 1);
    EXPECT_EQ(old.keyword_search("owls", {}).size(), 1u);
    EXPECT_TRUE(old.keyword_search("東京", {}).empty());
  }
  std::vector<std::string> notices;
  Library library = Library::open(temp.path(), Library::Mode::read_write,
                                  [&](const std::string& notice) { notices.push_back(notice); });
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("rebuilding the keyword index"), std::string::npos) << notices[0];
  EXPECT_NE(notices[0].find("3 chunks"), std::string::npos) << notices[0];
  EXPECT_EQ(library.schema_version(), index::detail::latest_schema_version());
  EXPECT_EQ(library.stats().documents, 2);
  EXPECT_EQ(library.stats().chunks, 3);
  EXPECT_EQ(library.keyword_search("東京", {}).size(), 1u);
  EXPECT_EQ(library.keyword_search("herons", {}).size(), 1u);
  EXPECT_TRUE(library.check().consistent());
  RawDatabase raw(temp.path() / "library.sqlite3");
  EXPECT_EQ(indexed_fts_rows(raw), 3);
  raw.execute("INSERT INTO chunk_search(chunk_search, rank) VALUES ('integrity-check', 1)");
}

TEST(SpacelessUpgrade, NewLibrarySaysNothing) {
  TempDir temp;
  int notices = 0;
  Library::open(temp.path(), Library::Mode::read_write, [&](const std::string&) { ++notices; });
  EXPECT_EQ(notices, 0);
}

}  // namespace
}  // namespace docent::test
