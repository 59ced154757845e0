// Step reports: what `memhp run` prints after each step.
//
// A text line for people and JSON lines for tools (docs/json.md). All are
// pure functions of the states and the result, so the same trace always
// gives byte-identical output; JSON objects keep their members in the order
// written (nlohmann::ordered_json), not sorted.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "diff.h"
#include "memhp/trace.h"

namespace memhp {

using Json = nlohmann::ordered_json;

// j on one line, compact. Strings come from trace files and may hold bytes
// that are not UTF-8: those are replaced, not thrown at.
std::string json_line(const Json& j);

// The members every step line carries: errno, then reason, warnings, bug
// and partial when the result has them.
void json_result(Json& out, const Result& r);

// Where memory block `id`'s memmap lives: "memmap_on_memory" (at the
// block's front, self-hosted), "boot" (memblock, for boot memory) or
// "page_allocator" (a hot-added block without memmap_on_memory).
std::string_view vmemmap_source(const System& s, u64 id);

// The `expect` member of a step line: {"want": errno, "held": bool}, for a
// step with a `# expect:` comment.
void json_expect(Json& out, const std::optional<int>& want, const Result& r);

// One line (no trailing newline) in the full form (`memhp run --json-full`):
// the step's result, every zone of every online node and every present
// memory block, one member per block id.
std::string json_step(const System& s, int line, const std::string& op, const Result& r,
                      const std::optional<int>& expect = std::nullopt);

// The part of a System `memhp run --json` shows: zones of online nodes,
// present memory blocks as sysfs shows them, and the sections.
struct BlockView {
  std::string state;          // "" for an absent block
  std::optional<Zone> zone;   // mem->zone
  std::string valid_zones;
  u64 nr_vmemmap_pages = 0;   // the self-hosted vmemmap's pages
  std::string vmemmap;        // where the block's memmap is: vmemmap_source()
  friend bool operator==(const BlockView&, const BlockView&) = default;
};
struct JsonView {
  Json zones = Json::object();  // "nid:Zone" -> {start_pfn, spanned, present, managed}
  Json nodes = Json::object();  // "nid" -> {start_pfn, spanned, present, N_* flags}, possible nodes
  RunMap<BlockView> blocks;
  RunMap<SectionState> sections;
};
JsonView json_view(const System& s);

// The default form of `memhp run --json`: one line for the boot state, then
// one line per step with what changed since the line before, so that a
// line's length follows what the step changed, not the size of the machine.
class JsonChanges {
 public:
  explicit JsonChanges(const System& booted);
  std::string boot_line() const;  // line 0: the booted state against an empty one
  std::string step(const System& after, int line, const std::string& op, const Result& r,
                   const std::optional<int>& expect = std::nullopt);

 private:
  System before_;
  JsonView view_;
};

// `LINE: <op> -> ok` or `-> -EBUSY (reason)`, then indented WARNING:/BUG:
// lines. Every line ends with '\n'.
std::string text_step(int line, const Op& op, const Result& r);

// A step's differences for `memhp replay --json`: one {"field", "what",
// "old", "new"} object each (diff.h's DiffEntry; null for a side that is
// absent).
Json diff_json(const std::vector<DiffEntry>& diff);

// What a step changed, a line each, as `memhp run` prints under the step:
// per node its span and N_MEMORY flags, per zone its start, spanned,
// present and managed pages, the blocks whose state or zone changed, per
// zone its free, movable and unmovable pages, and the memmap of hot-added
// sections by where it came from (the hot-added range's own altmap, or the
// page allocator). Empty when none of these changed.
std::vector<std::string> step_changes(const System& before, const System& after);

// The PARTIAL line of a step whose kernel path left its work half done on
// purpose (NOTES.md section 4): it names the path and says that this is what
// the kernel does, so that it reads apart from a VIOLATION line. Empty for
// Partial::None.
std::string partial_line(Partial p);

}  // namespace memhp
