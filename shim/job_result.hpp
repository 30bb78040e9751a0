// How one run of a download job ended, which decides when it runs again.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>

#include "shim/fetch_settings.hpp"

namespace odmr {

enum class JobOutcome {
    success,
    transient_failure,  // may pass by itself (busy, unreachable, 4xx): retried with backoff
    permanent_failure,  // needs the admin (wrong password, refused domain): waits for the next regular run
};

struct JobResult {
    JobOutcome outcome = JobOutcome::success;
    std::string summary;  // one line for the log, without passwords
};

// Ends a job run early with its outcome; the job's code throws it and the
// runner turns it into a JobResult.
class JobFailure : public std::runtime_error {
public:
    JobFailure(JobOutcome outcome, const std::string& message) : std::runtime_error(message), outcome_(outcome) {}
    JobOutcome outcome() const { return outcome_; }

private:
    JobOutcome outcome_;
};

// The state every job run shares.
struct JobContext {
    const FetchSettings& settings;
    const std::atomic<bool>& stopping;  // SIGTERM arrived: finish the message in flight, then end
};

const char* outcome_name(JobOutcome outcome);

}  // namespace odmr
