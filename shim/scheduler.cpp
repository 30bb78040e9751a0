#include "shim/scheduler.hpp"

#include <algorithm>

#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

Seconds backoff_delay(int failures, const RetryPolicy& policy) {
    if (failures <= 0) return Seconds(0);

    // Doubling stops once the delay reaches the limit, so it cannot overflow.
    Seconds delay = policy.retry_delay;
    for (int i = 1; i < failures && delay < policy.max_retry_delay; ++i) delay *= 2;
    return std::min(delay, policy.max_retry_delay);
}

Seconds jitter_limit(const Schedule& schedule, const RetryPolicy& policy) {
    if (schedule.kind == Schedule::Kind::every) return std::min(policy.max_jitter, schedule.interval / 10);
    return policy.max_jitter;
}

std::optional<WallClock::time_point> next_run_after(const Schedule& schedule, JobOutcome outcome, int failures,
                                                     WallClock::time_point started, WallClock::time_point finished,
                                                     const RetryPolicy& policy) {
    if (schedule.kind == Schedule::Kind::on_demand) return std::nullopt;

    if (schedule.kind == Schedule::Kind::every) {
        // A run longer than the interval is followed by the next at once.
        if (outcome == JobOutcome::success) return std::max(started + schedule.interval, finished);
        return finished + std::max(schedule.interval, backoff_delay(failures, policy));
    }

    const auto regular = next_regular_run(schedule, finished);
    if (outcome != JobOutcome::transient_failure) return regular;
    const auto retry = finished + backoff_delay(failures, policy);
    return regular ? std::min(*regular, retry) : retry;
}

Scheduler::Scheduler(RetryPolicy policy, Runner runner)
    : policy_(policy), runner_(std::move(runner)), random_(std::random_device{}()) {}

Scheduler::~Scheduler() { wait_all(); }

WallClock::time_point Scheduler::with_jitter(WallClock::time_point time, const Schedule& schedule) {
    const auto limit = jitter_limit(schedule, policy_).count();
    if (limit <= 0) return time;
    std::uniform_int_distribution<long long> milliseconds(0, limit * 1000);
    return time + Milliseconds(milliseconds(random_));
}

std::optional<WallClock::time_point> Scheduler::first_run(const Schedule& schedule, WallClock::time_point now) {
    if (schedule.kind == Schedule::Kind::on_demand) return std::nullopt;
    if (schedule.kind == Schedule::Kind::every) return with_jitter(now, schedule);
    const auto regular = next_regular_run(schedule, now);
    if (!regular) return std::nullopt;
    return with_jitter(*regular, schedule);
}

void Scheduler::load(const JobsTable& table) {
    const std::lock_guard lock(mutex_);
    const auto now = WallClock::now();

    std::map<std::string, std::shared_ptr<State>> loaded;
    for (const auto& job : table.jobs) {
        auto state = std::make_shared<State>();
        const auto found = states_.find(job.name);
        if (found != states_.end()) state = found->second;

        const bool same_schedule =
            found != states_.end() && describe_schedule(state->job->schedule) == describe_schedule(job.schedule);
        state->job = std::make_shared<const Job>(job);
        if (!same_schedule) {
            state->next_run = first_run(job.schedule, now);
            state->failures = 0;
        }
        log_next_run(*state, now);
        loaded.emplace(job.name, std::move(state));
    }
    states_ = std::move(loaded);
}

void Scheduler::log_next_run(const State& state, WallClock::time_point now) {
    const std::string& name = state.job->name;
    if (state.running) {
        log::info(concat(name, ": running now; its next run is set when this run ends"));
        return;
    }
    if (!state.next_run) {
        log::info(concat(name, ": ", describe_schedule(state.job->schedule), ", so no run is scheduled; run it with "
                         "odmr-fetch --once --job ", name));
        return;
    }

    const auto wait = std::chrono::duration_cast<Seconds>(*state.next_run - now).count();
    const std::string failures = state.failures > 0 ? concat(state.failures, state.failures == 1 ? " failure" : " failures", " in a row; ") : "";
    log::info(concat(name, ": ", failures, "next run at ", local_iso_time(*state.next_run), " (in ", wait, "s)"));
}

std::optional<WallClock::time_point> Scheduler::start_due_jobs(WallClock::time_point now) {
    const std::lock_guard lock(mutex_);
    std::optional<WallClock::time_point> next;
    for (auto& [name, state] : states_) {
        // A running job has no next run until its run ends, so two runs of
        // one job never overlap.
        if (!state->next_run || state->running) continue;
        if (*state->next_run <= now) {
            state->running = true;
            state->next_run.reset();
            auto finished = std::make_shared<std::atomic<bool>>(false);
            workers_.push_back(Worker{std::thread(&Scheduler::run, this, state, state->job, finished), finished});
            continue;
        }
        if (!next || *state->next_run < *next) next = *state->next_run;
    }
    return next;
}

void Scheduler::run(std::shared_ptr<State> state, std::shared_ptr<const Job> job,
                    std::shared_ptr<std::atomic<bool>> finished) {
    const auto started = WallClock::now();
    const JobResult result = runner_(*job);
    const auto ended = WallClock::now();

    {
        const std::lock_guard lock(mutex_);
        state->running = false;
        state->failures = result.outcome == JobOutcome::success ? 0 : state->failures + 1;
        const auto next = next_run_after(state->job->schedule, result.outcome, state->failures, started, ended, policy_);
        state->next_run = next ? std::optional(with_jitter(*next, state->job->schedule)) : std::nullopt;

        log_next_run(*state, ended);
    }
    *finished = true;
}

void Scheduler::reap() {
    std::list<Worker> done;
    {
        const std::lock_guard lock(mutex_);
        for (auto it = workers_.begin(); it != workers_.end();) {
            if (*it->finished) {
                done.splice(done.end(), workers_, it++);
            } else {
                ++it;
            }
        }
    }
    for (auto& worker : done) worker.thread.join();
}

void Scheduler::wait_all() {
    std::list<Worker> all;
    {
        const std::lock_guard lock(mutex_);
        all.swap(workers_);
    }
    for (auto& worker : all) worker.thread.join();
}

std::size_t Scheduler::running() const {
    const std::lock_guard lock(mutex_);
    return workers_.size();
}

}  // namespace odmr
