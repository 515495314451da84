// The only file that talks to libzip: whole entries read within a byte budget.

#include <zip.h>

#include <cstdio>

#include "ingest_internal.hpp"

namespace docent::ingest::detail {
namespace {

constexpr std::size_t kReadBlock = 64 * 1024;

std::string mebibytes(std::size_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

std::string too_big(const std::string& name, std::size_t budget) {
  return name + " expands past " + mebibytes(budget) + " (a zip bomb, or too big to index)";
}

}  // namespace

struct ZipArchive::Impl {
  zip_t* archive = nullptr;
  std::size_t budget = 0;  // what every read together may still expand to
  std::size_t limit = 0;   // the whole budget, for messages
  ~Impl() {
    if (archive) zip_discard(archive);  // read-only: nothing to write back
  }
};

ZipArchive::ZipArchive(const std::filesystem::path& path, std::size_t budget_bytes) : impl_(std::make_unique<Impl>()) {
  impl_->budget = impl_->limit = budget_bytes;
  int code = 0;
  impl_->archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!impl_->archive) {
    if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS) throw FormatError("not a ZIP archive (damaged or truncated)");
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw FormatError("cannot open the ZIP archive: " + reason);
  }
}

ZipArchive::~ZipArchive() = default;

bool ZipArchive::contains(const std::string& name) const { return zip_name_locate(impl_->archive, name.c_str(), 0) >= 0; }

std::string ZipArchive::read(const std::string& name) {
  Impl& state = *impl_;
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(state.archive, name.c_str(), 0, &stat) != 0) throw FormatError(name + " is missing from the archive");
  if ((stat.valid & ZIP_STAT_SIZE) && stat.size > state.budget) throw FormatError(too_big(name, state.limit));
  zip_file_t* file = zip_fopen(state.archive, name.c_str(), 0);
  if (!file) throw FormatError(name + ": " + zip_error_strerror(zip_get_error(state.archive)));
  std::string bytes;
  // The declared size is only a claim: inflating stops at the budget whatever it says.
  for (;;) {
    const std::size_t before = bytes.size();
    const std::size_t want = std::min(kReadBlock, state.budget - before + 1);
    bytes.resize(before + want);
    const zip_int64_t got = zip_fread(file, bytes.data() + before, want);
    if (got < 0) {
      std::string reason = zip_error_strerror(zip_file_get_error(file));
      zip_fclose(file);
      throw FormatError(name + " is damaged: " + reason);
    }
    bytes.resize(before + static_cast<std::size_t>(got));
    if (bytes.size() > state.budget) {
      zip_fclose(file);
      throw FormatError(too_big(name, state.limit));
    }
    if (got == 0) break;
  }
  // A CRC mismatch is reported when the entry is closed.
  if (zip_fclose(file) != 0) throw FormatError(name + " is damaged (checksum mismatch)");
  state.budget -= bytes.size();
  return bytes;
}

}  // namespace docent::ingest::detail
