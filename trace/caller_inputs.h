// Inputs no kernel caller produces, refused when a trace is parsed.
//
// A trace op stands for a kernel entry point called by a real caller. Where
// the kernel trusts its callers and BUG()s on what none of them passes, the
// model still reports that BUG (model/ is called directly by the tests), but
// a trace that asks for it describes no machine: the parser refuses it with
// `FILE:LINE: message`, exit status 2.
#pragma once

#include <optional>
#include <string>

#include "memhp/trace.h"

namespace memhp {

// Why no kernel caller makes this call on this geometry; nullopt if one can.
std::optional<std::string> refused_caller_input(const Geometry& g, const Op& op);

}  // namespace memhp
