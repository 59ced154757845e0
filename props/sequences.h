// Sequence properties: statements about a short run of operations rather
// than one step. The suites run them as compound commands; a trace that
// breaks one names it in a `check property=NAME` header, and replay checks
// it by comparing the state before the last `ops` steps with the final one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

struct SequenceProperty {
  std::string_view name;
  std::string_view statement;
  std::string_view kernel_ref;
  std::size_t ops;  // the property spans the last `ops` steps
  // Whether the sequence did what the property is about (else it is skipped).
  bool (*applies)(const System& before, const System& after);
  std::optional<std::string> (*check)(const System& before, const System& after);
  // Why the last `ops` ops are not the sequence the property is about (its
  // op kinds on one block, range or pgmap, as the suites draw it); nullopt
  // when they are. Replay refuses a trace whose window is not.
  std::optional<std::string> (*window_error)(const Geometry& g, const std::vector<Op>& window);
};

const std::vector<SequenceProperty>& sequence_properties();
const SequenceProperty* find_sequence_property(std::string_view name);
// Whether a property is about ZONE_DEVICE (only the device suite runs it).
bool is_device_property(std::string_view name);

}  // namespace memhp
