// Runs one job of either mode and logs how it ended.
#pragma once

#include "shim/job_result.hpp"
#include "shim/jobs_table.hpp"

namespace odmr {

JobResult run_job(const Job& job, const JobContext& context);

}  // namespace odmr
