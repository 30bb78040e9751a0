#include "shim/job_runner.hpp"

#include <chrono>
#include <cstdio>

#include "shim/atrn_job.hpp"
#include "shim/etrn_job.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

const char* outcome_name(JobOutcome outcome) {
    switch (outcome) {
    case JobOutcome::success: return "success";
    case JobOutcome::transient_failure: return "temporary failure";
    case JobOutcome::permanent_failure: return "failure";
    }
    return "unknown";
}

JobResult run_job(const Job& job, const JobContext& context) {
    const auto started = Clock::now();
    log::info(concat(job.describe(), ": starting"));

    JobResult result;
    try {
        result = job.mode == JobMode::atrn ? run_atrn_job(job, context) : run_etrn_job(job, context);
    } catch (const std::exception& error) {
        result = JobResult{JobOutcome::transient_failure, concat("unexpected error: ", error.what())};
    }

    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", std::chrono::duration<double>(Clock::now() - started).count());
    const std::string line = concat(job.name, ": job done: result=", outcome_name(result.outcome), " duration=", duration,
                                    "s: ", result.summary);
    if (result.outcome == JobOutcome::success) log::info(line);
    else if (result.outcome == JobOutcome::transient_failure) log::warning(line);
    else log::error(line);
    return result;
}

}  // namespace odmr
