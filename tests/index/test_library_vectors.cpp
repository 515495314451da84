// Embedding models and per-chunk vectors.

#include "index_test_helpers.hpp"
#include "test_support.hpp"

namespace docent::test {
namespace {

using index::ChunkVector;
using index::Library;
using index::LibraryError;

TEST(LibraryVectors, RegisterIsIdempotentPerNameHashAndSettings) {
  Library library = Library::open_in_memory();
  const auto a = library.register_embedding_model("minilm", "h1", 4, R"({"pooling": "mean"})");
  EXPECT_EQ(library.register_embedding_model("minilm", "h1", 4, R"({"pooling":"mean"})"), a);
  const auto b = library.register_embedding_model("minilm", "h1", 4, R"({"pooling":"cls"})");
  const auto c = library.register_embedding_model("minilm", "h2", 4, R"({"pooling":"mean"})");
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_THROW(library.register_embedding_model("minilm", "h1", 8, R"({"pooling":"mean"})"),
               LibraryError);
  EXPECT_THROW(library.register_embedding_model("bad", "h", 4, "{not json"), LibraryError);
  EXPECT_THROW(library.register_embedding_model("bad", "h", 0), LibraryError);

  auto found = library.find_embedding_model("minilm", "h1", R"({ "pooling" : "mean" })");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a);
  EXPECT_EQ(found->dimension, 4);
  EXPECT_EQ(found->settings_json, R"({"pooling":"mean"})");
  EXPECT_FALSE(found->created_at.empty());
  EXPECT_FALSE(library.find_embedding_model("minilm", "h3"));
  EXPECT_EQ(library.embedding_models().size(), 3u);
  EXPECT_EQ(library.embedding_model(b)->settings_json, R"({"pooling":"cls"})");
}

TEST(LibraryVectors, PutReadRoundTripAndCountMissing) {
  Library library = Library::open_in_memory();
  const auto doc = library.put_document(make_document("/a.pdf", "A", {"one", "two", "three"}));
  const auto model = library.register_embedding_model("m", "h", 3);
  const auto chunks = library.chunks(doc);
  EXPECT_EQ(library.count_chunks_without_vectors(model), 3);

  const std::vector<float> first = {1.0f, -2.5f, 3.25f};
  const std::vector<float> third = {0.0f, 1e-8f, -7.0f};
  library.put_vectors(model, {ChunkVector{chunks[2].id, third}, ChunkVector{chunks[0].id, first}});
  EXPECT_EQ(library.count_chunks_without_vectors(model), 1);
  auto missing = library.chunks_without_vectors(model, 10);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].id, chunks[1].id);
  EXPECT_EQ(missing[0].text, "two");

  auto matrix = library.vectors(model);
  EXPECT_EQ(matrix.model_id, model);
  EXPECT_EQ(matrix.dimension, 3);
  ASSERT_EQ(matrix.chunk_ids, (std::vector<std::int64_t>{chunks[0].id, chunks[2].id}));
  ASSERT_EQ(matrix.values.size(), 6u);
  EXPECT_EQ(std::vector<float>(matrix.values.begin(), matrix.values.begin() + 3), first);
  EXPECT_EQ(std::vector<float>(matrix.values.begin() + 3, matrix.values.end()), third);

  // Replacing a vector keeps one row per chunk and changes the generation.
  const auto generation = matrix.vector_generation;
  const std::vector<float> replaced = {9.0f, 9.0f, 9.0f};
  library.put_vectors(model, {ChunkVector{chunks[0].id, replaced}});
  auto again = library.vectors(model);
  EXPECT_EQ(again.chunk_ids.size(), 2u);
  EXPECT_EQ(again.values[0], 9.0f);
  EXPECT_NE(again.vector_generation, generation);
}

TEST(LibraryVectors, BadVectorsAreRejectedWholesale) {
  Library library = Library::open_in_memory();
  const auto doc = library.put_document(make_document("/a.pdf", "A", {"one", "two"}));
  const auto model = library.register_embedding_model("m", "h", 2);
  const auto chunks = library.chunks(doc);
  const std::vector<float> good = {1.0f, 2.0f};
  const std::vector<float> wrong_size = {1.0f, 2.0f, 3.0f};
  EXPECT_THROW(library.put_vectors(model, {ChunkVector{chunks[0].id, good},
                                           ChunkVector{chunks[1].id, wrong_size}}),
               LibraryError);
  EXPECT_THROW(library.put_vectors(model, {ChunkVector{chunks[0].id, good},
                                           ChunkVector{chunks[1].id + 100, good}}),
               LibraryError);
  EXPECT_THROW(library.put_vectors(model + 1, {ChunkVector{chunks[0].id, good}}), LibraryError);
  EXPECT_THROW(library.vectors(model + 1), LibraryError);
  EXPECT_TRUE(library.vectors(model).chunk_ids.empty());
}

TEST(LibraryVectors, DocumentWithVectorsIsWrittenTogether) {
  Library library = Library::open_in_memory();
  const auto model = library.register_embedding_model("m", "h", 2);
  auto input = make_document("/a.pdf", "A", {"one", "two"});
  input.vector_model_id = model;
  input.vectors = {{1.0f, 0.0f}, {0.0f, 1.0f}};
  const auto doc = library.put_document(input);
  const auto chunks = library.chunks(doc);
  auto matrix = library.vectors(model);
  ASSERT_EQ(matrix.chunk_ids, (std::vector<std::int64_t>{chunks[0].id, chunks[1].id}));
  EXPECT_EQ(matrix.values, (std::vector<float>{1.0f, 0.0f, 0.0f, 1.0f}));
  EXPECT_EQ(library.count_chunks_without_vectors(model), 0);

  // Mismatched shapes refuse the whole document, leaving the previous version.
  auto wrong_count = make_document("/a.pdf", "A2", {"x", "y"});
  wrong_count.vector_model_id = model;
  wrong_count.vectors = {{1.0f, 2.0f}};
  EXPECT_THROW(library.put_document(wrong_count), LibraryError);
  auto wrong_dimension = wrong_count;
  wrong_dimension.vectors = {{1.0f}, {2.0f}};
  EXPECT_THROW(library.put_document(wrong_dimension), LibraryError);
  auto unknown_model = wrong_count;
  unknown_model.vector_model_id = model + 5;
  unknown_model.vectors = {{1.0f, 2.0f}, {3.0f, 4.0f}};
  EXPECT_THROW(library.put_document(unknown_model), LibraryError);
  EXPECT_EQ(library.find_document("/a.pdf")->id, doc);
  EXPECT_EQ(library.vectors(model).chunk_ids.size(), 2u);
}

TEST(LibraryVectors, RemovingOrReplacingADocumentRemovesItsVectors) {
  TempDir temp;
  Library library = Library::open(temp.path());
  const auto model = library.register_embedding_model("m", "h", 2);
  auto input = make_document("/a.pdf", "A", {"one", "two"});
  input.vector_model_id = model;
  input.vectors = {{1.0f, 0.0f}, {0.0f, 1.0f}};
  const auto first = library.put_document(input);
  const auto other = library.put_document(make_document("/b.pdf", "B", {"three"}));
  const std::vector<float> value = {5.0f, 5.0f};
  library.put_vectors(model, {ChunkVector{library.chunks(other)[0].id, value}});
  const auto before = library.vectors(model).vector_generation;

  // Re-put without vectors: the old chunks' vectors go with them.
  const auto second = library.put_document(make_document("/a.pdf", "A", {"one", "two"}));
  EXPECT_EQ(library.vectors(model).chunk_ids.size(), 1u);
  EXPECT_EQ(library.count_chunks_without_vectors(model), 2);
  EXPECT_NE(library.vectors(model).vector_generation, before);
  EXPECT_EQ(second, first);  // same document, same id; new chunks

  library.remove_document(other);
  EXPECT_TRUE(library.vectors(model).chunk_ids.empty());
  RawDatabase raw(temp.path() / "library.sqlite3");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM vectors"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM chunks"), 2);
  EXPECT_TRUE(library.document(second));
}

TEST(LibraryVectors, ChunkIdsAreNeverReused) {
  Library library = Library::open_in_memory();
  const auto doc = library.put_document(make_document("/a.pdf", "A", {"one"}));
  const auto old_id = library.chunks(doc)[0].id;
  library.remove_document(doc);
  const auto again = library.put_document(make_document("/a.pdf", "A", {"one"}));
  EXPECT_GT(library.chunks(again)[0].id, old_id);
  EXPECT_GT(again, doc);
}

}  // namespace
}  // namespace docent::test
