// An ATRN job (RFC 2645): logs in at the provider's ODMR port, sends ATRN
// for the job's domains, and on 250 relays the turned-around session into
// the local MTA.
#pragma once

#include "shim/job_result.hpp"
#include "shim/jobs_table.hpp"

namespace odmr {

// The meaning of an ATRN reply code, for the log.
const char* atrn_reply_meaning(int code);

// Runs the job once. Never throws.
JobResult run_atrn_job(const Job& job, const JobContext& context);

}  // namespace odmr
