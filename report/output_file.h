// Writing an output file (a picture, a DOT graph, an SMT-LIB2 obligation, an
// emitted test) so that a failure says why, as the shell would.
#pragma once

#include <string>
#include <string_view>

namespace memhp {

// Writes `text` to `path`, replacing it. Returns "" on success, else one line
// without a trailing newline: "cannot write 'PATH': No space left on device".
std::string write_output_file(const std::string& path, std::string_view text);

}  // namespace memhp
