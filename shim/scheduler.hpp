// Runs download jobs on their schedules as a daemon. Each run has a thread
// of its own, and no job runs twice at once. A little random delay keeps
// jobs from all starting together, and failures bring exponential backoff.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "shim/job_result.hpp"
#include "shim/jobs_table.hpp"
#include "shim/schedule.hpp"

namespace odmr {

struct RetryPolicy {
    Seconds retry_delay{60};
    Seconds max_retry_delay{3600};
    Seconds max_jitter{30};
};

// The wait after `failures` failures in a row: retry_delay doubled for
// each failure after the first, at most max_retry_delay.
Seconds backoff_delay(int failures, const RetryPolicy& policy);

// The maximum random delay of a run of this schedule: max_jitter, and for
// an interval at most a tenth of it.
Seconds jitter_limit(const Schedule& schedule, const RetryPolicy& policy);

// When a job runs next after a run that started and finished at the given
// times, before jitter. failures counts the failures in a row, this run's
// included. After a success the schedule decides. After a failure an
// interval job waits the longer of its interval and the backoff. A
// time-of-day job retries after the backoff unless its next time comes
// first, but after a permanent failure it waits for that time. On-demand
// jobs never run by themselves.
std::optional<WallClock::time_point> next_run_after(const Schedule& schedule, JobOutcome outcome, int failures,
                                                     WallClock::time_point started, WallClock::time_point finished,
                                                     const RetryPolicy& policy);

class Scheduler {
public:
    using Runner = std::function<JobResult(const Job&)>;

    Scheduler(RetryPolicy policy, Runner runner);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Takes the jobs of a table, at startup or on reload. A job that keeps
    // its name and schedule keeps its next run and failure count. A run in
    // progress goes on with the job as it was when it started.
    void load(const JobsTable& table);

    // Starts every job that is due and not running. Returns when the next
    // job is due, or nothing when no job has a schedule.
    std::optional<WallClock::time_point> start_due_jobs(WallClock::time_point now);

    // Joins the threads of finished runs.
    void reap();

    // Waits for every run in progress to end.
    void wait_all();

    std::size_t running() const;

private:
    struct State {
        std::shared_ptr<const Job> job;
        std::optional<WallClock::time_point> next_run;
        int failures = 0;
        bool running = false;
    };

    struct Worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> finished;
    };

    WallClock::time_point with_jitter(WallClock::time_point time, const Schedule& schedule);
    std::optional<WallClock::time_point> first_run(const Schedule& schedule, WallClock::time_point now);
    // Logs when the job runs next, at startup, on reload and after each run.
    void log_next_run(const State& state, WallClock::time_point now);
    void run(std::shared_ptr<State> state, std::shared_ptr<const Job> job, std::shared_ptr<std::atomic<bool>> finished);

    const RetryPolicy policy_;
    const Runner runner_;

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<State>> states_;
    std::list<Worker> workers_;
    std::mt19937 random_;
};

}  // namespace odmr
