// The scheduler with a runner that only counts: never two runs of one job
// at once, failures back off, reloads keep the state of unchanged jobs.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "shim/scheduler.hpp"

namespace odmr {
namespace {

using namespace std::chrono_literals;

JobsTable table_of(const std::string& text) { return parse_jobs_table(text, "jobs", {}, "", JobOptions{}); }

class CountingRunner {
public:
    JobResult operator()(const Job& job) {
        {
            const std::lock_guard lock(mutex_);
            const int now_running = ++running_[job.name];
            max_running_[job.name] = std::max(max_running_[job.name], now_running);
            ++runs_[job.name];
        }
        std::this_thread::sleep_for(duration_);
        const std::lock_guard lock(mutex_);
        --running_[job.name];
        return JobResult{outcome_, "counted"};
    }

    int runs(const std::string& name) {
        const std::lock_guard lock(mutex_);
        return runs_[name];
    }
    int max_running(const std::string& name) {
        const std::lock_guard lock(mutex_);
        return max_running_[name];
    }

    std::chrono::milliseconds duration_{0};
    JobOutcome outcome_ = JobOutcome::success;

private:
    std::mutex mutex_;
    std::map<std::string, int> running_;
    std::map<std::string, int> max_running_;
    std::map<std::string, int> runs_;
};

// Drives the scheduler as the daemon's loop does, for a while.
void drive(Scheduler& scheduler, std::chrono::milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
        scheduler.reap();
        scheduler.start_due_jobs(WallClock::now());
        std::this_thread::sleep_for(10ms);
    }
    scheduler.wait_all();
}

TEST(Scheduler, SlowJobNeverOverlapsItself) {
    CountingRunner counter;
    counter.duration_ = 1500ms;
    Scheduler scheduler(RetryPolicy{1s, 4s, 0s}, [&](const Job& job) { return counter(job); });
    scheduler.load(table_of("slow p.example etrn example.com every=1s\nquick p.example etrn example.org every=1s\n"));

    drive(scheduler, 3500ms);

    EXPECT_EQ(counter.max_running("slow"), 1);
    EXPECT_GE(counter.runs("slow"), 2);
    EXPECT_GE(counter.runs("quick"), 2);
}

TEST(Scheduler, OnDemandJobNeverRunsByItself) {
    CountingRunner counter;
    Scheduler scheduler(RetryPolicy{1s, 4s, 0s}, [&](const Job& job) { return counter(job); });
    scheduler.load(table_of("manual p.example etrn example.com on-demand\n"));

    EXPECT_FALSE(scheduler.start_due_jobs(WallClock::now()));
    drive(scheduler, 300ms);
    EXPECT_EQ(counter.runs("manual"), 0);
}

TEST(Scheduler, FailuresBackOff) {
    CountingRunner counter;
    counter.outcome_ = JobOutcome::transient_failure;
    Scheduler scheduler(RetryPolicy{2s, 8s, 0s}, [&](const Job& job) { return counter(job); });
    scheduler.load(table_of("failing p.example etrn example.com every=1s\n"));

    // Runs at 0 s, then waits 2 s (the backoff is longer than the interval),
    // then 4 s: two runs within three seconds instead of three or four.
    drive(scheduler, 3000ms);
    EXPECT_EQ(counter.runs("failing"), 2);
}

TEST(Scheduler, ReloadKeepsUnchangedJobsAndDropsRemovedOnes) {
    CountingRunner counter;
    Scheduler scheduler(RetryPolicy{1s, 4s, 0s}, [&](const Job& job) { return counter(job); });
    scheduler.load(table_of("kept p.example etrn example.com every=1h\ngone p.example etrn example.org every=1h\n"));
    drive(scheduler, 200ms);
    EXPECT_EQ(counter.runs("kept"), 1);
    EXPECT_EQ(counter.runs("gone"), 1);

    // "kept" ran already and is not due for an hour; "new" runs at once.
    scheduler.load(table_of("kept p.example etrn example.com every=1h\nnew p.example etrn example.net every=1h\n"));
    drive(scheduler, 200ms);
    EXPECT_EQ(counter.runs("kept"), 1);
    EXPECT_EQ(counter.runs("gone"), 1);
    EXPECT_EQ(counter.runs("new"), 1);
}

}  // namespace
}  // namespace odmr
