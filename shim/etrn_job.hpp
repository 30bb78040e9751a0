// An ETRN job (RFC 1985): requests that the provider start delivering the
// held mail of each node to this host's fixed address. The mail then arrives
// over a new connection from the provider, straight to the local MTA.
#pragma once

#include "shim/job_result.hpp"
#include "shim/jobs_table.hpp"

namespace odmr {

// The meaning of an ETRN reply code, for the log.
const char* etrn_reply_meaning(int code);

// Runs the job once. Never throws.
JobResult run_etrn_job(const Job& job, const JobContext& context);

}  // namespace odmr
