// Vector index over one embedding model's chunk vectors: FAISS inner-product search (exact flat
// for small libraries, HNSW above a measured size), saved next to the database with a stamp.
//
// Why the HNSW threshold is 100,000 vectors. Measured with `bench_retrieval threshold`
// (dimension 384, random unit vectors, 200 queries, top 10, M=32, efConstruction=80,
// efSearch=96, Release, one OpenMP thread, on 2 cores shared with other builds: load ~8, so the
// absolute times are inflated, the ratios are what matter):
//     vectors   flat build  flat query   HNSW build  HNSW query  HNSW recall@10
//      10,000     254 ms      4.5 ms        86 s       9.2 ms       0.76
//      25,000     824 ms     27.8 ms       593 s       6.4 ms       0.50
// (50k and 100k were not finished: an HNSW build of 25k already took ten minutes there.)
// Exact search is cheap to build (a copy) and costs roughly linear time per query; HNSW only
// starts answering faster than exact search somewhere past 10k vectors, costs minutes to
// (re)build on every change of the library, and loses recall on unstructured vectors (real
// embeddings cluster and fare better, but that was not measured here). Exact search at 100k
// vectors (~500 long PDFs) is still tens of milliseconds per query, next to an embedder's
// query time, so flat stays the default up to there and HNSW takes over only beyond it.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <numeric>
#include <sys/stat.h>
#include <unistd.h>

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include "library_impl.hpp"

namespace docent::index {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'D', 'O', 'C', 'V', 'E', 'C', 'I', 'X'};
constexpr std::uint32_t kFormatVersion = 1;

// What a saved file must match to be used.
struct Stamp {
  std::uint32_t format_version = kFormatVersion;
  std::int64_t model_id = 0;
  std::int32_t dimension = 0;
  std::int64_t vector_generation = 0;
  std::int64_t count = 0;
  std::uint32_t kind = 0;
  std::string file_hash;
};

std::uint64_t fnv1a(const std::uint8_t* data, std::size_t size) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= data[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

template <typename T>
void put(std::vector<std::uint8_t>& out, const T& value) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

struct Cursor {
  const std::vector<std::uint8_t>& data;
  std::size_t at = 0;
  template <typename T>
  bool get(T& value) {
    if (data.size() - at < sizeof(T)) return false;
    std::memcpy(&value, data.data() + at, sizeof(T));
    at += sizeof(T);
    return true;
  }
};

VectorIndexKind kind_for(std::int64_t count, const VectorIndexOptions& options) {
  if (options.force_kind) return *options.force_kind;
  return count >= options.hnsw_threshold ? VectorIndexKind::hnsw : VectorIndexKind::flat;
}

faiss::IndexHNSWFlat* hnsw_inside(faiss::Index* index) {
  auto* map = dynamic_cast<faiss::IndexIDMap*>(index);
  return map ? dynamic_cast<faiss::IndexHNSWFlat*>(map->index) : nullptr;
}
const faiss::IndexHNSWFlat* hnsw_inside(const faiss::Index* index) {
  return hnsw_inside(const_cast<faiss::Index*>(index));
}

// FAISS 1.7.3 sizes an HNSW search's candidate queue by the graph's own efSearch (at least k)
// and reads the per-call SearchParametersHNSW only inside that queue, so the graph's value is
// set once, when the index is opened, to the deepest search it will serve; each query then
// passes its own depth (up to that) and nothing is written while searches run.
void set_search_ceiling(faiss::Index& index, const VectorIndexOptions& options) {
  if (auto* hnsw = hnsw_inside(&index)) hnsw->hnsw.efSearch = options.hnsw_search_depth;
}

std::unique_ptr<faiss::Index> build(const VectorMatrix& matrix, VectorIndexKind kind, const VectorIndexOptions& options) {
  faiss::Index* inner = nullptr;
  if (kind == VectorIndexKind::hnsw) {
    auto* hnsw = new faiss::IndexHNSWFlat(matrix.dimension, options.hnsw_neighbours, faiss::METRIC_INNER_PRODUCT);
    hnsw->hnsw.efConstruction = options.hnsw_build_depth;
    inner = hnsw;
  } else {
    inner = new faiss::IndexFlatIP(matrix.dimension);
  }
  auto map = std::make_unique<faiss::IndexIDMap>(inner);
  map->own_fields = true;
  if (!matrix.chunk_ids.empty())
    map->add_with_ids(static_cast<faiss::Index::idx_t>(matrix.chunk_ids.size()), matrix.values.data(),
                      matrix.chunk_ids.data());
  return map;
}

std::vector<std::uint8_t> read_all(const fs::path& path, bool& exists) {
  std::ifstream in(path, std::ios::binary);
  exists = static_cast<bool>(in);
  if (!in) return {};
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Null when the bytes are not a readable index with exactly this stamp; `unreadable` tells a
// damaged file from a merely stale one.
std::unique_ptr<faiss::Index> parse(const std::vector<std::uint8_t>& bytes, const Stamp& wanted, bool& unreadable) {
  unreadable = true;
  Cursor cursor{bytes};
  char magic[8];
  for (char& c : magic)
    if (!cursor.get(c)) return nullptr;
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) return nullptr;
  Stamp found;
  std::uint32_t hash_length = 0;
  std::uint64_t payload_size = 0, checksum = 0;
  if (!cursor.get(found.format_version) || !cursor.get(found.model_id) || !cursor.get(found.dimension) ||
      !cursor.get(found.vector_generation) || !cursor.get(found.count) || !cursor.get(found.kind) ||
      !cursor.get(hash_length) || hash_length > 256 || bytes.size() - cursor.at < hash_length)
    return nullptr;
  found.file_hash.assign(reinterpret_cast<const char*>(bytes.data() + cursor.at), hash_length);
  cursor.at += hash_length;
  if (!cursor.get(payload_size) || !cursor.get(checksum) || bytes.size() - cursor.at != payload_size) return nullptr;
  if (fnv1a(bytes.data() + cursor.at, payload_size) != checksum) return nullptr;
  unreadable = false;
  if (found.format_version != wanted.format_version || found.model_id != wanted.model_id ||
      found.dimension != wanted.dimension || found.vector_generation != wanted.vector_generation ||
      found.count != wanted.count || found.kind != wanted.kind || found.file_hash != wanted.file_hash)
    return nullptr;
  faiss::VectorIOReader reader;
  reader.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(cursor.at), bytes.end());
  try {
    std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
    if (!index || index->d != wanted.dimension || index->ntotal != wanted.count ||
        !dynamic_cast<faiss::IndexIDMap*>(index.get())) {
      unreadable = true;
      return nullptr;
    }
    return index;
  } catch (const std::exception&) {
    unreadable = true;
    return nullptr;
  }
}

// Best effort: an index that cannot be saved is still used from memory and rebuilt next time.
void save(const fs::path& path, const faiss::Index& index, const Stamp& stamp) {
  try {
    faiss::VectorIOWriter writer;
    faiss::write_index(&index, &writer);
    std::vector<std::uint8_t> out(kMagic, kMagic + sizeof kMagic);
    put(out, stamp.format_version);
    put(out, stamp.model_id);
    put(out, stamp.dimension);
    put(out, stamp.vector_generation);
    put(out, stamp.count);
    put(out, stamp.kind);
    put(out, static_cast<std::uint32_t>(stamp.file_hash.size()));
    out.insert(out.end(), stamp.file_hash.begin(), stamp.file_hash.end());
    put(out, static_cast<std::uint64_t>(writer.data.size()));
    put(out, fnv1a(writer.data.data(), writer.data.size()));
    out.insert(out.end(), writer.data.begin(), writer.data.end());

    fs::path temporary = path;
    temporary += ".tmp-" + std::to_string(::getpid());
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    std::size_t written = 0;
    while (written < out.size()) {
      ssize_t n = ::write(fd, out.data() + written, out.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    bool ok = written == out.size() && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) ::unlink(temporary.c_str());
  } catch (const std::exception&) {
  }
}

}  // namespace

std::string_view to_string(VectorIndexKind kind) { return kind == VectorIndexKind::hnsw ? "hnsw" : "flat"; }

std::string_view to_string(VectorIndexOrigin origin) {
  switch (origin) {
    case VectorIndexOrigin::loaded: return "loaded";
    case VectorIndexOrigin::built_missing: return "built (no index file)";
    case VectorIndexOrigin::built_stale: return "built (index file out of date)";
    case VectorIndexOrigin::built_unreadable: return "built (index file unreadable)";
    case VectorIndexOrigin::built_in_memory: return "built (in-memory library)";
  }
  return "unknown";
}

struct VectorIndex::Impl {
  VectorIndexOptions options;
  Stamp stamp;
  VectorIndexOrigin origin = VectorIndexOrigin::built_missing;
  std::unique_ptr<faiss::Index> index;

  void open(const Library& library, std::int64_t model_id) {
    auto model = library.embedding_model(model_id);
    if (!model)
      throw LibraryError("library " + library.database_path().string() + ": unknown embedding model id " +
                         std::to_string(model_id));
    // Cheap check first: the generation and count decide whether a saved file can be used
    // before reading every vector out of SQLite.
    const std::int64_t count = library.vector_count(model_id);
    stamp.model_id = model_id;
    stamp.dimension = model->dimension;
    stamp.vector_generation = model->vector_generation;
    stamp.count = count;
    stamp.kind = static_cast<std::uint32_t>(kind_for(count, options));
    stamp.file_hash = model->file_hash;

    const bool on_disk = !library.dir().empty();
    const fs::path path = on_disk ? VectorIndex::file_for(library, model_id) : fs::path();
    if (on_disk) {
      bool exists = false;
      auto bytes = read_all(path, exists);
      if (exists) {
        bool unreadable = false;
        index = parse(bytes, stamp, unreadable);
        if (index) {
          origin = VectorIndexOrigin::loaded;
          set_search_ceiling(*index, options);
          return;
        }
        origin = unreadable ? VectorIndexOrigin::built_unreadable : VectorIndexOrigin::built_stale;
      } else {
        origin = VectorIndexOrigin::built_missing;
      }
    } else {
      origin = VectorIndexOrigin::built_in_memory;
    }
    VectorMatrix matrix = library.vectors(model_id);
    // The matrix is one snapshot; another writer may have moved on since the stamp was read.
    stamp.vector_generation = matrix.vector_generation;
    stamp.count = static_cast<std::int64_t>(matrix.chunk_ids.size());
    stamp.kind = static_cast<std::uint32_t>(kind_for(stamp.count, options));
    index = build(matrix, static_cast<VectorIndexKind>(stamp.kind), options);
    if (on_disk && options.save) save(path, *index, stamp);
    set_search_ceiling(*index, options);
  }
};

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;
VectorIndex::~VectorIndex() = default;

fs::path VectorIndex::file_for(const Library& library, std::int64_t model_id) {
  return library.dir() / ("vectors-" + std::to_string(model_id) + ".faiss");
}

VectorIndex VectorIndex::open(const Library& library, std::int64_t model_id, const VectorIndexOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->open(library, model_id);
  return VectorIndex(std::move(impl));
}

bool VectorIndex::is_current(const Library& library) const {
  auto model = library.embedding_model(impl_->stamp.model_id);
  return model && model->vector_generation == impl_->stamp.vector_generation && model->file_hash == impl_->stamp.file_hash;
}

bool VectorIndex::refresh(const Library& library) {
  if (is_current(library)) return false;
  auto fresh = std::make_unique<Impl>();
  fresh->options = impl_->options;
  fresh->open(library, impl_->stamp.model_id);
  impl_ = std::move(fresh);
  return true;
}

std::vector<VectorHit> VectorIndex::search(std::span<const float> query, int k, const VectorSearchOptions& options) const {
  if (static_cast<std::int64_t>(query.size()) != impl_->stamp.dimension)
    throw LibraryError("query vector has " + std::to_string(query.size()) + " values, the index has dimension " +
                       std::to_string(impl_->stamp.dimension));
  const auto available = static_cast<int>(std::min<std::int64_t>(impl_->index->ntotal, k));
  if (available <= 0) return {};
  std::vector<float> scores(static_cast<std::size_t>(available));
  std::vector<faiss::Index::idx_t> labels(static_cast<std::size_t>(available));
  if (const auto* hnsw = hnsw_inside(impl_->index.get())) {
    // The depth travels with the query (see set_search_ceiling). The inner graph is searched
    // directly because IndexIDMap does not forward search parameters; labels are mapped back.
    faiss::SearchParametersHNSW parameters;
    const int ceiling = impl_->options.hnsw_search_depth;
    const int depth = options.hnsw_search_depth > 0 ? std::min(options.hnsw_search_depth, ceiling) : ceiling;
    parameters.efSearch = std::max(depth, available);
    hnsw->search(1, query.data(), available, scores.data(), labels.data(), &parameters);
    const auto& ids = static_cast<const faiss::IndexIDMap*>(impl_->index.get())->id_map;
    for (auto& label : labels)
      if (label >= 0) label = ids.at(static_cast<std::size_t>(label));
  } else {
    impl_->index->search(1, query.data(), available, scores.data(), labels.data());
  }
  std::vector<VectorHit> hits;
  for (int i = 0; i < available; ++i)
    if (labels[static_cast<std::size_t>(i)] >= 0) hits.push_back({labels[static_cast<std::size_t>(i)], scores[static_cast<std::size_t>(i)]});
  return hits;
}

std::int64_t VectorIndex::model_id() const { return impl_->stamp.model_id; }
int VectorIndex::dimension() const { return impl_->stamp.dimension; }
std::int64_t VectorIndex::size() const { return impl_->index->ntotal; }
std::int64_t VectorIndex::vector_generation() const { return impl_->stamp.vector_generation; }
VectorIndexKind VectorIndex::kind() const { return static_cast<VectorIndexKind>(impl_->stamp.kind); }
VectorIndexOrigin VectorIndex::origin() const { return impl_->origin; }

std::vector<VectorHit> exact_vector_search(const VectorMatrix& matrix, std::span<const float> query, int k) {
  const auto dimension = static_cast<std::size_t>(matrix.dimension);
  if (query.size() != dimension)
    throw LibraryError("query vector has " + std::to_string(query.size()) + " values, the vectors have dimension " +
                       std::to_string(dimension));
  std::vector<VectorHit> all(matrix.chunk_ids.size());
  for (std::size_t row = 0; row < all.size(); ++row) {
    const float* values = matrix.values.data() + row * dimension;
    float dot = 0;
    for (std::size_t d = 0; d < dimension; ++d) dot += values[d] * query[d];
    all[row] = {matrix.chunk_ids[row], dot};
  }
  auto better = [](const VectorHit& a, const VectorHit& b) {
    return a.score != b.score ? a.score > b.score : a.chunk_id < b.chunk_id;
  };
  const auto keep = std::min<std::size_t>(all.size(), static_cast<std::size_t>(std::max(k, 0)));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), better);
  all.resize(keep);
  return all;
}

}  // namespace docent::index
