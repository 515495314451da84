// Per-model chunk vectors, stored as float32 blobs in native byte order (little-endian on
// every platform docent builds for).

#include <cstring>
#include <string>

#include "library_impl.hpp"

namespace docent::index {

using detail::Connection;
using detail::Statement;
using detail::WriteTransaction;

namespace {

constexpr const char* kModelColumns =
    "SELECT id, name, file_hash, dimension, settings, created_at, vector_generation "
    "FROM embedding_models ";

EmbeddingModelRecord read_model(const Statement& row) {
  EmbeddingModelRecord record;
  record.id = row.int64(0);
  record.name = row.text(1);
  record.file_hash = row.text(2);
  record.dimension = row.integer(3);
  record.settings_json = row.text(4);
  record.created_at = row.text(5);
  record.vector_generation = row.int64(6);
  return record;
}

// Settings are compared minified, so the same JSON written with other spacing is one model.
std::optional<EmbeddingModelRecord> lookup_model(Connection& db, const std::string& name,
                                                 const std::string& file_hash,
                                                 const std::string& settings_json) {
  Statement row = db.prepare(std::string(kModelColumns) +
                             "WHERE name = ?1 AND file_hash = ?2 AND settings = json(?3)");
  row.bind(1, name).bind(2, file_hash).bind(3, settings_json);
  if (!row.step()) return std::nullopt;
  return read_model(row);
}

int model_dimension(Connection& db, std::int64_t model_id) {
  Statement row = db.prepare("SELECT dimension FROM embedding_models WHERE id = ?1");
  row.bind(1, model_id);
  if (!row.step())
    throw LibraryError("library " + db.database() + ": unknown embedding model id " +
                       std::to_string(model_id));
  return row.integer(0);
}

}  // namespace

std::int64_t Library::register_embedding_model(const std::string& name, const std::string& file_hash,
                                               int dimension, const std::string& settings_json) {
  impl_->require_writable();
  Connection& db = impl_->db();
  if (name.empty() || dimension <= 0)
    throw LibraryError("library " + db.database() +
                       ": an embedding model needs a name and a positive dimension");
  WriteTransaction transaction(db);
  if (auto existing = lookup_model(db, name, file_hash, settings_json)) {
    if (existing->dimension != dimension)
      throw LibraryError("library " + db.database() + ": embedding model " + name +
                         " is registered with dimension " + std::to_string(existing->dimension) +
                         ", not " + std::to_string(dimension));
    transaction.commit();
    return existing->id;
  }
  Statement insert = db.prepare(
      "INSERT INTO embedding_models (name, file_hash, dimension, settings, created_at) "
      "VALUES (?1, ?2, ?3, json(?4), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
  insert.bind(1, name).bind(2, file_hash).bind(3, dimension).bind(4, settings_json).run();
  const std::int64_t id = db.last_insert_id();
  transaction.commit();
  return id;
}

std::optional<EmbeddingModelRecord> Library::find_embedding_model(const std::string& name,
                                                                  const std::string& file_hash,
                                                                  const std::string& settings_json) const {
  return lookup_model(impl_->db(), name, file_hash, settings_json);
}

std::optional<EmbeddingModelRecord> Library::embedding_model(std::int64_t model_id) const {
  Statement row = impl_->db().prepare(std::string(kModelColumns) + "WHERE id = ?1");
  row.bind(1, model_id);
  if (!row.step()) return std::nullopt;
  return read_model(row);
}

std::vector<EmbeddingModelRecord> Library::embedding_models() const {
  Statement row = impl_->db().prepare(std::string(kModelColumns) + "ORDER BY id");
  std::vector<EmbeddingModelRecord> result;
  while (row.step()) result.push_back(read_model(row));
  return result;
}

void Library::put_vectors(std::int64_t model_id, const std::vector<ChunkVector>& vectors) {
  impl_->require_writable();
  Connection& db = impl_->db();
  WriteTransaction transaction(db);
  const auto dimension = static_cast<std::size_t>(model_dimension(db, model_id));
  Statement chunk_exists = db.prepare("SELECT 1 FROM chunks WHERE id = ?1");
  Statement upsert = db.prepare(
      "INSERT INTO vectors (chunk_id, model_id, vector) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (chunk_id, model_id) DO UPDATE SET vector = excluded.vector");
  for (const ChunkVector& vector : vectors) {
    if (vector.values.size() != dimension)
      throw LibraryError("library " + db.database() + ": vector for chunk " +
                         std::to_string(vector.chunk_id) + " has " +
                         std::to_string(vector.values.size()) + " values, the model has dimension " +
                         std::to_string(dimension));
    // Checked here for a clear message; the foreign key would also refuse it.
    chunk_exists.bind(1, vector.chunk_id);
    const bool exists = chunk_exists.step();
    chunk_exists.reset();
    if (!exists)
      throw LibraryError("library " + db.database() + ": no chunk with id " +
                         std::to_string(vector.chunk_id) + " to attach a vector to");
    upsert.bind(1, vector.chunk_id)
        .bind(2, model_id)
        .bind_blob(3, vector.values.data(), vector.values.size_bytes());
    upsert.run();
  }
  transaction.commit();
}

VectorMatrix Library::vectors(std::int64_t model_id) const {
  Connection& db = impl_->db();
  VectorMatrix matrix;
  matrix.model_id = model_id;
  // One snapshot for the generation and the rows, so the stamp matches the data read.
  const bool own_transaction = !db.in_transaction();
  if (own_transaction) db.execute("BEGIN");
  try {
    auto model = embedding_model(model_id);
    if (!model)
      throw LibraryError("library " + db.database() + ": unknown embedding model id " +
                         std::to_string(model_id));
    matrix.dimension = model->dimension;
    matrix.vector_generation = model->vector_generation;
    const auto dimension = static_cast<std::size_t>(model->dimension);
    const std::size_t row_bytes = dimension * sizeof(float);
    Statement row =
        db.prepare("SELECT chunk_id, vector FROM vectors WHERE model_id = ?1 ORDER BY chunk_id");
    row.bind(1, model_id);
    while (row.step()) {
      if (row.bytes(1) != row_bytes)
        throw LibraryError("library " + db.database() + ": vector of chunk " +
                           std::to_string(row.int64(0)) + " has " + std::to_string(row.bytes(1)) +
                           " bytes, expected " + std::to_string(row_bytes));
      matrix.chunk_ids.push_back(row.int64(0));
      const std::size_t at = matrix.values.size();
      matrix.values.resize(at + dimension);
      std::memcpy(matrix.values.data() + at, row.blob(1), row_bytes);
    }
  } catch (...) {
    if (own_transaction) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (own_transaction) db.execute("COMMIT");
  return matrix;
}

std::int64_t Library::count_chunks_without_vectors(std::int64_t model_id) const {
  Statement row = impl_->db().prepare(
      "SELECT count(*) FROM chunks c WHERE NOT EXISTS "
      "(SELECT 1 FROM vectors v WHERE v.chunk_id = c.id AND v.model_id = ?1)");
  row.bind(1, model_id);
  row.step();
  return row.int64(0);
}

std::vector<ChunkRecord> Library::chunks_without_vectors(std::int64_t model_id,
                                                         std::int64_t limit) const {
  Statement row = impl_->db().prepare(
      std::string("SELECT ") + detail::kChunkColumns +
      " FROM chunks c WHERE NOT EXISTS "
      "(SELECT 1 FROM vectors v WHERE v.chunk_id = c.id AND v.model_id = ?1) "
      "ORDER BY c.id LIMIT ?2");
  row.bind(1, model_id).bind(2, limit);
  std::vector<ChunkRecord> result;
  while (row.step()) result.push_back(detail::read_chunk(row));
  return result;
}

}  // namespace docent::index
