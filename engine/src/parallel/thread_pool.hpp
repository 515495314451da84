#pragma once
// One persistent pool of worker threads for every parallel loop in the engine. A decode step
// runs a few hundred short parallel regions per token, so workers spin briefly between regions
// (waking a sleeping thread costs more than a small matrix product) and only then sleep on a
// futex-backed atomic wait. The calling thread always takes part in the work.

#include <atomic>
#include <mutex>
#include <cstdint>
#include <thread>
#include <vector>

namespace docent::engine {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls body(task) once for every task in [0, tasks), spread over the pool; returns when all
  // are done. Called from inside a task, it runs the tasks inline (no nested parallelism).
  template <typename Body>
  void run(std::int64_t tasks, Body&& body) {
    auto trampoline = [](void* context, std::int64_t task) { (*static_cast<Body*>(context))(task); };
    dispatch(tasks, trampoline, &body);
  }

  // Splits [0, count) into contiguous ranges of at least `grain` items (a few per thread, for
  // balance) and calls body(begin, end) for each.
  template <typename Body>
  void parallel_for(std::int64_t count, std::int64_t grain, Body&& body) {
    if (count <= 0) return;
    const std::int64_t ranges = range_count(count, grain);
    const std::int64_t step = (count + ranges - 1) / ranges;
    run(ranges, [&](std::int64_t range) {
      const std::int64_t begin = range * step, end = begin + step < count ? begin + step : count;
      if (begin < end) body(begin, end);
    });
  }

  // The pool every engine component uses. Its size comes from set_engine_threads(), else
  // $DOCENT_THREADS, else the number of hardware threads.
  static ThreadPool& shared();

 private:
  using Trampoline = void (*)(void*, std::int64_t);
  void dispatch(std::int64_t tasks, Trampoline trampoline, void* context);
  std::int64_t range_count(std::int64_t count, std::int64_t grain) const;
  void worker_loop(int index);
  void work_on(std::uint32_t generation);

  std::vector<std::thread> workers_;
  // The current job is one atomic word: generation (32 bits) | task count (16) | next task (16).
  // A task is claimed by a compare-and-swap on the whole word, so a worker that wakes up late
  // can never claim a task of a newer job by mistake, and nobody waits for late workers.
  std::atomic<std::uint64_t> job_{0};
  std::atomic<std::uint32_t> generation_{0};  // mirrors job_'s generation; sleeping workers wait on it
  std::atomic<std::int64_t> unfinished_{0};
  // One job at a time: two application threads (say, an embedder and a generator) may both
  // call into the engine; the second waits for the first's parallel region to finish.
  std::mutex dispatch_mutex_;
  Trampoline trampoline_ = nullptr;
  void* context_ = nullptr;
  std::atomic<bool> stopping_{false};
};

// Sets the size of ThreadPool::shared() (must be called before its first use to take effect;
// later calls rebuild the pool, which is only safe when no engine work is running).
void set_engine_threads(int threads);
int engine_threads();

}  // namespace docent::engine
