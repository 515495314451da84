#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <thread>
#include <vector>

#include "parallel/thread_pool.hpp"

using docent::engine::ThreadPool;

TEST(ThreadPool, EveryTaskRunsExactlyOnceOverManyJobs) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(97);
  for (int job = 0; job < 2000; ++job) {
    const std::int64_t tasks = 1 + job % 97;
    pool.run(tasks, [&](std::int64_t task) { hits[static_cast<std::size_t>(task)].fetch_add(1); });
  }
  for (std::size_t task = 0; task < hits.size(); ++task) {
    int expected = 0;
    for (int job = 0; job < 2000; ++job) expected += static_cast<int>(task) < 1 + job % 97 ? 1 : 0;
    EXPECT_EQ(hits[task].load(), expected) << task;
  }
}

TEST(ThreadPool, ParallelForCoversTheRangeWithoutOverlap) {
  ThreadPool pool(2);
  for (std::int64_t count : {0, 1, 7, 64, 1000, 4099}) {
    std::vector<int> seen(static_cast<std::size_t>(count), 0);
    pool.parallel_for(count, 16, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) ++seen[static_cast<std::size_t>(i)];
    });
    EXPECT_EQ(std::accumulate(seen.begin(), seen.end(), 0), count);
    for (int value : seen) EXPECT_EQ(value, 1);
  }
}

TEST(ThreadPool, NestedRunExecutesInline) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  pool.run(4, [&](std::int64_t) { pool.run(5, [&](std::int64_t) { total.fetch_add(1); }); });
  EXPECT_EQ(total.load(), 20);
}

TEST(ThreadPool, SingleThreadPoolRunsInline) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.size(), 1);
  int total = 0;  // no atomics needed: everything runs on this thread
  pool.run(10, [&](std::int64_t task) { total += static_cast<int>(task); });
  EXPECT_EQ(total, 45);
}

TEST(ThreadPool, ConcurrentCallersFromDifferentThreadsAreSerialized) {
  ThreadPool pool(2);
  std::atomic<long> total{0};
  auto caller = [&] {
    for (int job = 0; job < 300; ++job) pool.run(7, [&](std::int64_t task) { total.fetch_add(task + 1); });
  };
  std::thread first(caller), second(caller);
  first.join();
  second.join();
  EXPECT_EQ(total.load(), 2L * 300 * 28);
}
