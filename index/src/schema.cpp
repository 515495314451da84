#include "schema.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace docent::index::detail {
namespace {

// Version 1: the whole store.
//
// Ids of documents and chunks use AUTOINCREMENT so an id is never reused after a removal: a
// vector index built earlier can then never map a stale id onto a different chunk.
//
// The FTS5 table is an external-content table whose content is a view joining each chunk with
// its document's title, so document titles match without storing them per chunk. Triggers
// keep it in step. The delete triggers hand FTS5 exactly the values that were indexed, which is
// what keeps bm25 statistics right and leaves no orphan postings. A document's chunks are
// deleted by a BEFORE DELETE trigger (not left to ON DELETE CASCADE) because the cascade runs
// after the document row is gone, when its title could no longer be read for the FTS delete.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE documents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL DEFAULT '',
  size_bytes INTEGER NOT NULL DEFAULT 0,
  mtime_ns INTEGER NOT NULL DEFAULT 0,
  page_count INTEGER NOT NULL DEFAULT 0,
  pages_without_text INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  ingested_at TEXT NOT NULL
);

CREATE TABLE pages (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  text TEXT NOT NULL,
  status TEXT NOT NULL,
  UNIQUE (document_id, number)
);

CREATE TABLE chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  text TEXT NOT NULL,
  first_page INTEGER NOT NULL,
  last_page INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  UNIQUE (document_id, ordinal),
  CHECK (last_page >= first_page),
  CHECK (end_offset >= start_offset),
  CHECK (token_count >= 0)
);

CREATE VIEW chunk_search_source AS
  SELECT chunks.id AS chunk_id, chunks.text AS text, documents.title AS title
  FROM chunks JOIN documents ON documents.id = chunks.document_id;

CREATE VIRTUAL TABLE chunk_search USING fts5(
  text, title,
  content = 'chunk_search_source', content_rowid = 'chunk_id',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER chunks_index_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunk_search(rowid, text, title)
  VALUES (new.id, new.text, (SELECT title FROM documents WHERE id = new.document_id));
END;

CREATE TRIGGER chunks_index_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunk_search(chunk_search, rowid, text, title)
  VALUES ('delete', old.id, old.text, (SELECT title FROM documents WHERE id = old.document_id));
END;

CREATE TRIGGER chunks_index_update AFTER UPDATE OF text, document_id ON chunks BEGIN
  INSERT INTO chunk_search(chunk_search, rowid, text, title)
  VALUES ('delete', old.id, old.text, (SELECT title FROM documents WHERE id = old.document_id));
  INSERT INTO chunk_search(rowid, text, title)
  VALUES (new.id, new.text, (SELECT title FROM documents WHERE id = new.document_id));
END;

CREATE TRIGGER documents_delete_chunks_first BEFORE DELETE ON documents BEGIN
  DELETE FROM chunks WHERE document_id = old.id;
END;

CREATE TRIGGER documents_index_title AFTER UPDATE OF title ON documents BEGIN
  INSERT INTO chunk_search(chunk_search, rowid, text, title)
  SELECT 'delete', id, text, old.title FROM chunks WHERE document_id = old.id;
  INSERT INTO chunk_search(rowid, text, title)
  SELECT id, text, new.title FROM chunks WHERE document_id = new.id;
END;

CREATE TABLE embedding_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  file_hash TEXT NOT NULL,
  dimension INTEGER NOT NULL CHECK (dimension > 0),
  settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
  created_at TEXT NOT NULL,
  vector_generation INTEGER NOT NULL DEFAULT 0,
  UNIQUE (name, file_hash, settings)
);

CREATE TABLE vectors (
  chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
  model_id INTEGER NOT NULL REFERENCES embedding_models(id) ON DELETE CASCADE,
  vector BLOB NOT NULL,
  PRIMARY KEY (chunk_id, model_id)
);
CREATE INDEX vectors_by_model ON vectors(model_id, chunk_id);

-- A saved vector index records the generation it was built from; any change to a model's
-- vectors bumps it, so a stale index is detected without comparing contents.
CREATE TRIGGER vectors_generation_insert AFTER INSERT ON vectors BEGIN
  UPDATE embedding_models SET vector_generation = vector_generation + 1 WHERE id = new.model_id;
END;
CREATE TRIGGER vectors_generation_update AFTER UPDATE ON vectors BEGIN
  UPDATE embedding_models SET vector_generation = vector_generation + 1 WHERE id = new.model_id;
END;
CREATE TRIGGER vectors_generation_delete AFTER DELETE ON vectors BEGIN
  UPDATE embedding_models SET vector_generation = vector_generation + 1 WHERE id = old.model_id;
END;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: the chunk index cuts Chinese, Japanese, Thai, Lao, Khmer and Burmese text into
// words (fts_tokenizer.hpp); every other script is tokenized as in version 1. The index is an
// external-content table, so it is rebuilt from the chunks: nothing stored is lost, and the
// migration's transaction makes the rebuild all-or-nothing.
constexpr const char* kVersion2 = R"sql(
DROP TABLE chunk_search;
CREATE VIRTUAL TABLE chunk_search USING fts5(
  text, title,
  content = 'chunk_search_source', content_rowid = 'chunk_id',
  tokenize = 'docent_words porter unicode61 remove_diacritics 2'
);
INSERT INTO chunk_search(chunk_search) VALUES ('rebuild');
)sql";

// Version 3: what a document's page-like unit is ("page", "section" of a web page or a Word
// file without page breaks, "chapter" of an EPUB), so citations name it; and whether a chunk's
// text was recognised from page images (OCR), so a citation can say so.
constexpr const char* kVersion3 = R"sql(
ALTER TABLE documents ADD COLUMN unit TEXT NOT NULL DEFAULT 'page';
ALTER TABLE chunks ADD COLUMN from_ocr INTEGER NOT NULL DEFAULT 0;
)sql";

struct Migration {
  const char* sql;
  // Said before the step runs on a library that already holds documents; empty: nothing to say.
  const char* notice;
};

// Append new steps here; never edit a released one.
constexpr std::array<Migration, 3> kMigrations = {{
    {kVersion1, ""},
    {kVersion2, "rebuilding the keyword index so words inside Chinese, Japanese and Thai sentences are found"},
    {kVersion3, ""},
}};

}  // namespace

const char* schema_step_for_tests(int version) {
  return kMigrations.at(static_cast<std::size_t>(version - 1)).sql;
}

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

int oldest_readable_schema_version() { return 1; }

void read_older_schema(Connection& connection, int version) {
  if (version >= 3) return;
  // Version 3's columns as their defaults: temporary views shadow the tables for this
  // connection only (unqualified names find the temp schema first), nothing is written.
  connection.execute(
      "CREATE TEMP VIEW documents AS SELECT *, 'page' AS unit FROM main.documents;"
      "CREATE TEMP VIEW chunks AS SELECT *, 0 AS from_ocr FROM main.chunks;");
}

int read_schema_version(Connection& connection) {
  return static_cast<int>(connection.query_int64("PRAGMA user_version"));
}

void refuse_newer_schema(Connection& connection, int version) {
  if (version > latest_schema_version()) {
    throw LibraryError("library " + connection.database() + " has schema version " +
                       std::to_string(version) + ", newer than this docent understands (" +
                       std::to_string(latest_schema_version()) + "); use a newer docent");
  }
}

void migrate(Connection& connection, const std::function<void(const std::string&)>& notice) {
  // Cheap check first: an up-to-date library never takes the write lock on open.
  int version = read_schema_version(connection);
  refuse_newer_schema(connection, version);
  while (version < latest_schema_version()) {
    WriteTransaction transaction(connection);
    // Re-read under the write lock: another process may have migrated meanwhile.
    version = read_schema_version(connection);
    refuse_newer_schema(connection, version);
    if (version >= latest_schema_version()) break;
    const Migration& step = kMigrations[static_cast<std::size_t>(version)];
    if (notice && *step.notice != '\0' && version > 0) {
      const std::int64_t chunks = connection.query_int64("SELECT count(*) FROM chunks");
      if (chunks > 0)
        notice("library " + connection.display_name() + ": " + step.notice + " (" + std::to_string(chunks) +
               " chunks, once)");
    }
    connection.execute(step.sql);
    ++version;
    // PRAGMA takes no bound parameters; the value is our own integer.
    connection.execute(("PRAGMA user_version = " + std::to_string(version)).c_str());
    transaction.commit();
  }
}

}  // namespace docent::index::detail
