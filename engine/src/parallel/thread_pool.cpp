#include "parallel/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define DOCENT_PAUSE() _mm_pause()
#else
#define DOCENT_PAUSE() std::this_thread::yield()
#endif

namespace docent::engine {

namespace {
thread_local bool inside_task = false;

// How long an idle worker spins before sleeping: long enough to cover the gap between two
// matrix products of one decode step, short enough not to burn a core between requests.
constexpr auto kSpinTime = std::chrono::microseconds(2000);

std::mutex shared_pool_mutex;
std::unique_ptr<ThreadPool> shared_pool;
int requested_threads = 0;

int default_threads() {
  if (const char* value = std::getenv("DOCENT_THREADS")) {
    char* end = nullptr;
    long parsed = std::strtol(value, &end, 10);
    if (end != value && parsed > 0 && parsed <= 256) return static_cast<int>(parsed);
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads < 1) threads = 1;
  workers_.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 0; i + 1 < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  generation_.fetch_add(1);  // wakes sleepers; they see stopping_ and leave
  generation_.notify_all();
  for (auto& worker : workers_) worker.join();
}

std::int64_t ThreadPool::range_count(std::int64_t count, std::int64_t grain) const {
  if (grain < 1) grain = 1;
  std::int64_t by_grain = (count + grain - 1) / grain;
  std::int64_t wanted = static_cast<std::int64_t>(size()) * 4;  // a few ranges per thread for balance
  return by_grain < wanted ? by_grain : wanted;
}

namespace {
constexpr std::uint64_t kFieldMask = 0xFFFF;
constexpr std::int64_t kMaxTasksPerJob = 0xFFFF;
std::uint32_t generation_of(std::uint64_t job) { return static_cast<std::uint32_t>(job >> 32); }
}  // namespace

void ThreadPool::work_on(std::uint32_t generation) {
  const bool was_inside = inside_task;
  inside_task = true;
  std::uint64_t job = job_.load(std::memory_order_acquire);
  for (;;) {
    if (generation_of(job) != generation) break;
    const std::uint64_t count = (job >> 16) & kFieldMask, next = job & kFieldMask;
    if (next >= count) break;
    if (!job_.compare_exchange_weak(job, job + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    // Claimed: the job cannot finish before this task does, so its fields are stable.
    trampoline_(context_, static_cast<std::int64_t>(next));
    unfinished_.fetch_sub(1, std::memory_order_acq_rel);
    job = job_.load(std::memory_order_acquire);
  }
  inside_task = was_inside;
}

void ThreadPool::dispatch(std::int64_t tasks, Trampoline trampoline, void* context) {
  if (tasks <= 0) return;
  if (tasks == 1 || workers_.empty() || inside_task) {
    for (std::int64_t task = 0; task < tasks; ++task) trampoline(context, task);
    return;
  }
  if (tasks > kMaxTasksPerJob) {  // the task index field is 16 bits: run in slices
    struct Slice { Trampoline inner; void* context; std::int64_t offset; };
    for (std::int64_t offset = 0; offset < tasks; offset += kMaxTasksPerJob) {
      Slice slice{trampoline, context, offset};
      auto shifted = [](void* data, std::int64_t task) {
        auto* s = static_cast<Slice*>(data);
        s->inner(s->context, s->offset + task);
      };
      dispatch(std::min(kMaxTasksPerJob, tasks - offset), shifted, &slice);
    }
    return;
  }
  std::lock_guard<std::mutex> one_job_at_a_time(dispatch_mutex_);
  trampoline_ = trampoline;
  context_ = context;
  unfinished_.store(tasks, std::memory_order_relaxed);
  const std::uint32_t generation = generation_of(job_.load(std::memory_order_relaxed)) + 1;
  job_.store((static_cast<std::uint64_t>(generation) << 32) | (static_cast<std::uint64_t>(tasks) << 16),
             std::memory_order_release);
  generation_.store(generation, std::memory_order_release);
  generation_.notify_all();
  work_on(generation);
  while (unfinished_.load(std::memory_order_acquire) != 0) DOCENT_PAUSE();
}

void ThreadPool::worker_loop(int /*index*/) {
  std::uint32_t seen = 0;  // generation 0 is the state at construction
  for (;;) {
    auto spin_until = std::chrono::steady_clock::now() + kSpinTime;
    std::uint32_t current = generation_.load(std::memory_order_acquire);
    int spins = 0;
    while (current == seen && !stopping_.load(std::memory_order_relaxed)) {
      DOCENT_PAUSE();
      if (++spins % 256 == 0 && std::chrono::steady_clock::now() > spin_until) {
        generation_.wait(seen, std::memory_order_acquire);
        spin_until = std::chrono::steady_clock::now() + kSpinTime;
      }
      current = generation_.load(std::memory_order_acquire);
    }
    if (stopping_.load()) return;
    seen = current;
    work_on(current);
  }
}

ThreadPool& ThreadPool::shared() {
  std::lock_guard<std::mutex> lock(shared_pool_mutex);
  if (!shared_pool) shared_pool = std::make_unique<ThreadPool>(requested_threads > 0 ? requested_threads : default_threads());
  return *shared_pool;
}

void set_engine_threads(int threads) {
  std::lock_guard<std::mutex> lock(shared_pool_mutex);
  requested_threads = threads > 0 ? threads : default_threads();
  if (shared_pool && shared_pool->size() != requested_threads) shared_pool.reset();
}

int engine_threads() { return ThreadPool::shared().size(); }

}  // namespace docent::engine
