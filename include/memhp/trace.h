// Traces: counterexamples, scenarios and replay inputs are one thing.
//
// The format (docs/trace-format.md) is line-oriented text a person can write
// by hand. Each line is one kernel-visible action named as the kernel and
// sysfs name it; `# expect: -EBUSY` checks the step's errno on replay. The
// printer's output parses back to an equal Trace.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "memhp/ops.h"

namespace memhp {

// One op per kernel-visible action.
struct OpAddMemory {  // add_memory node= start= size= [flags=a,b]
  int nid = 0;
  u64 start = 0, size = 0;
  unsigned flags = MHP_NONE;
  // Set: add_memory_driver_managed() with this resource name, as dax/kmem
  // ("System RAM (kmem)") and virtio-mem call it; the trace line is
  // `add_memory_driver_managed ... name="System RAM (kmem)"`.
  std::optional<std::string> resource_name;
  friend bool operator==(const OpAddMemory&, const OpAddMemory&) = default;
};
struct OpDimmAdd {  // dimm_add node= start= size=
  int nid = 0;
  u64 start = 0, size = 0;
  friend bool operator==(const OpDimmAdd&, const OpDimmAdd&) = default;
};
struct OpDimmRemove {  // dimm_remove start=   (ACPI eject, QEMU device_del)
  u64 start = 0;
  friend bool operator==(const OpDimmRemove&, const OpDimmRemove&) = default;
};
struct OpOnlineBlock {  // online_block block= type=online|online_kernel|online_movable
  u64 block = 0;
  OnlineType type = OnlineType::Online;
  friend bool operator==(const OpOnlineBlock&, const OpOnlineBlock&) = default;
};
struct OpOfflineBlock {  // offline_block block=
  u64 block = 0;
  friend bool operator==(const OpOfflineBlock&, const OpOfflineBlock&) = default;
};
// sysfs_write block= attr=state|online value=TEXT: one write(2) of TEXT to
// /sys/devices/system/memory/memoryN/ATTR, any text at all (a write of an
// unknown string is -EINVAL). online_block and offline_block are the well
// formed writes to `state`.
enum class BlockAttr : std::uint8_t { State, Online };
struct OpSysfsWrite {
  u64 block = 0;
  BlockAttr attr = BlockAttr::State;
  std::string value;
  friend bool operator==(const OpSysfsWrite&, const OpSysfsWrite&) = default;
};
struct OpRemoveMemory {  // remove_memory start= size=
  u64 start = 0, size = 0;
  friend bool operator==(const OpRemoveMemory&, const OpRemoveMemory&) = default;
};
struct OpAlloc {  // alloc|free node= zone= count= kind=movable|unmovable [block=]
  bool free = false;
  int nid = 0;
  Zone zone = Zone::Normal;
  u64 count = 0;
  AllocKind kind = AllocKind::Movable;
  std::optional<u64> block;
  friend bool operator==(const OpAlloc&, const OpAlloc&) = default;
};
struct OpNotifier {  // memory_notifier going_online=ok|-EXXX going_offline=ok|-EXXX
  int going_online = 0, going_offline = 0;
  friend bool operator==(const OpNotifier&, const OpNotifier&) = default;
};

// memremap_pages id= type=fsdax|generic|private node= ranges=START+SIZE[,...]
//                [shift=N] [altmap=RESERVE+FREE]   (altmap in pages, on range 0)
struct OpMemremap {
  MemremapRequest req;
  friend bool operator==(const OpMemremap&, const OpMemremap&) = default;
};
struct OpMemunmap {  // memunmap_pages id=
  int id = 0;
  friend bool operator==(const OpMemunmap&, const OpMemunmap&) = default;
};

// pfn walkers: they report what they were handed (Result::walked).
struct OpCompactNode {  // compact_node node=   (echo 1 > /sys/devices/system/node/nodeN/compact)
  int nid = 0;
  friend bool operator==(const OpCompactNode&, const OpCompactNode&) = default;
};
struct OpKpageflags {  // kpageflags pfn= count=   (pread of /proc/kpageflags)
  u64 pfn = 0, count = 0;
  friend bool operator==(const OpKpageflags&, const OpKpageflags&) = default;
};

using Op = std::variant<OpAddMemory, OpDimmAdd, OpOnlineBlock, OpOfflineBlock,
                        OpRemoveMemory, OpAlloc, OpNotifier, OpDimmRemove, OpMemremap, OpMemunmap,
                        OpCompactNode, OpKpageflags, OpSysfsWrite>;

struct TraceStep {
  int line = 0;                // 1-based line in the source, 0 if generated
  Op op;
  std::optional<int> expect;   // `# expect: ok | -EBUSY | ...`
  friend bool operator==(const TraceStep& a, const TraceStep& b) {
    return a.op == b.op && a.expect == b.expect;  // line numbers are not content
  }
};

struct Trace {
  Geometry geo;   // `geometry NAME [block=SIZE]`
  Profile prof;   // `profile v6.1 key=value ...`
  MutantSet mutants;            // `mutant NAME` lines: a deliberately broken model
  std::string check_only;       // `check only=INVARIANT`: check just that one
  std::string check_property;   // `check property=NAME`: a sequence property at the end
  std::vector<BootRange> boot;  // `boot node= start= size=` lines, in order
  std::vector<TraceStep> steps;
  friend bool operator==(const Trace&, const Trace&) = default;
};

struct ParseError {
  int line = 0;
  std::string message;
};

// The names a `check` header may give are the checkers' (props/: the
// invariant registry and the sequence properties), which the trace language
// does not depend on. A caller that has them passes them (check_names() in
// props/replay.h) and gets an unknown name as a parse error on its line;
// without them any name parses, and replay_trace() refuses an unknown one.
struct CheckNames {
  bool (*only)(std::string_view name) = nullptr;      // `check only=`: an invariant or a property
  bool (*property)(std::string_view name) = nullptr;  // `check property=`: a sequence property
};

// Parse trace text. `name` prefixes nothing here; callers print
// "<file>:<line>: <message>". With `version` (`--profile`), the profile line
// is read as if it named that version (its parameters stay, and a key the
// version does not take is an error on that line), and the spec's with=/
// without= change the line's deltas; a trace without a profile line gets
// that version's defaults.
std::variant<Trace, ParseError> parse_trace(const std::string& text, const CheckNames& names = {},
                                            std::optional<KernelSpec> version = std::nullopt);
// Print a trace in canonical form; parse_trace(print_trace(t)) == t.
std::string print_trace(const Trace& t);
// One op as its trace line, without the expect comment.
std::string print_op(const Op& op);
std::string op_name(const Op& op);
// The op names the parser accepts, in the order the docs list them.
std::vector<std::string_view> op_names();

// A byte count as the trace language writes one ("2M", "1g", "4096",
// "0x200000": an optional binary suffix K/M/G/T); nullopt if malformed or
// above 2^64-1. `memhp memmap-cost` reads its sizes with it too.
std::optional<u64> parse_byte_size(std::string_view s);

// Execute one op against a booted System.
Result apply_op(System& s, const Op& op);
// Boot the System a trace describes.
std::variant<System, std::string> boot_trace(const Trace& t);

}  // namespace memhp
