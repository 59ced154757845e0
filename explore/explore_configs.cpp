// The explorer's configurations: the named ones, the file format, and the
// alphabet of operations a configuration implies.
//
// A configuration file is a trace header with DIMM slots instead of
// operations, so that anyone who can write a trace can write one:
//
//   # memhp explore config v1
//   name my-config                 # optional
//   description two slots, memmap_on_memory   # optional, rest of the line
//   geometry x86_64
//   profile v6.1 memmap_on_memory=1
//   boot node=0 start=0x1000 size=0x9ec00
//   boot node=0 start=0x100000 size=0x3fee0000
//   slot node=0 start=0x100000000 size=128M   # the keys of dimm_add
//   pages count=512 max=1          # optional: pages per alloc (0: a pageblock),
//                                  # and allocations of each kind at once
//   notifier -EBUSY                # optional: notifier vetoes in the alphabet
//   depth 7                        # optional: explore 7 BFS levels only
//   online_types online,online_kernel,online_movable   # optional: the online
//                                  # writes per block (default: online_kernel,online_movable)
//   device id=1 type=fsdax node=0 ranges=0x6000000+2M   # optional: a ZONE_DEVICE
//                                  # range, memremap_pages' keys; mapped and unmapped
//   compact                        # optional: compact_node of each slot's node
//
// The named configurations below are written in this format and parsed, so
// the built-ins exercise the parser the files use.
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "explore.h"

namespace memhp {
namespace {

// QEMU `-m 1G` (tests/fixtures.h qemu_1g()): the e820 map's two RAM ranges.
constexpr std::string_view kQemu1gBoot =
    "boot node=0 start=0x1000 size=0x9ec00\n"
    "boot node=0 start=0x100000 size=0x3fee0000\n";

// n slots of size_mib each on node nid, back to back from `first`.
std::string slots_text(int n, u64 size_mib, u64 first = 0x100000000, int nid = 0) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "slot node=%d start=%#llx size=%lluM\n", nid,
                  static_cast<unsigned long long>(first + static_cast<u64>(i) * (size_mib << 20)),
                  static_cast<unsigned long long>(size_mib));
    out += line;
  }
  return out;
}

struct NamedDef {
  std::string name, what, slots;       // slots: the slot, pages, depth and device lines
  std::vector<bool> mom = {false, true};  // the variants: "-mom" is memmap_on_memory=1
  std::string_view boot = kQemu1gBoot;
  std::string profile = {};            // more profile keys
};

// The source text of one named configuration. Slots on node 1 need the
// node to be possible.
std::string named_text(const NamedDef& d, bool mom) {
  const bool node1 = d.slots.find("node=1") != std::string::npos;
  std::string t = "name " + d.name + (mom ? "-mom" : "") + "\n";
  t += "description " + d.what + (mom ? ", memmap_on_memory=1" : "") + "\n";
  t += "geometry x86_64\n";
  t += std::string("profile v6.1 memmap_on_memory=") + (mom ? "1" : "0") + d.profile +
       (node1 ? " possible_nodes=2" : "") + "\n";
  t += d.boot;
  return t + d.slots;
}

// The device suite's machine (props/gen.cpp): boot RAM with a hole at the
// top of section 0, so that a device range can share a section with RAM.
constexpr std::string_view kHoleBoot =
    "boot node=0 start=0x0 size=96M\n"
    "boot node=0 start=0x8000000 size=896M\n";

// Seven device ranges: two in section 0 beside boot RAM (one with an
// altmap, unused: x86 populates a sub-section memmap with base pages and no
// altmap); in the section at 2 GiB, a compound one (2 MiB pages, dedup), a
// plain one overlapping its second half and a plain one beside them (so
// that removing one depopulates part of a section); a whole section with an altmap
// big enough for its PMD-mapped memmap; and one on the DIMM slot's range,
// refused while the DIMM is there (its claim conflicts with System RAM).
constexpr std::string_view kDevices =
    "device id=1 type=fsdax node=0 ranges=0x6000000+2M\n"
    "device id=2 type=fsdax node=0 ranges=0x6200000+4M altmap=0+64\n"
    "device id=3 type=generic node=0 ranges=0x80000000+4M shift=9\n"
    "device id=4 type=fsdax node=0 ranges=0x80200000+2M\n"
    "device id=5 type=fsdax node=0 ranges=0x100000000+2M\n"
    "device id=6 type=fsdax node=0 ranges=0x88000000+128M altmap=0+1024\n"
    "device id=7 type=fsdax node=0 ranges=0x80800000+2M\n";

// 256 MiB of boot memory without holes: 65536 boot pages, so that
// auto_movable_ratio=50 allows exactly one 128 MiB block of MOVABLE.
constexpr std::string_view kSmallBoot = "boot node=0 start=0x0 size=256M\n";

std::vector<ExploreConfig> build_named() {
  const std::string no_alloc = "pages max=0\n";
  const std::string all_types = "online_types online,online_kernel,online_movable\n";
  const std::vector<NamedDef> defs = {
      {"x86-1slot", "QEMU 1 GiB x86_64, one 128 MiB DIMM slot", slots_text(1, 128)},
      {"x86-1slot-veto", "QEMU 1 GiB x86_64, one 128 MiB DIMM slot, notifier vetoes",
       slots_text(1, 128) + "notifier -EBUSY\n"},
      {"x86-2slot", "QEMU 1 GiB x86_64, two 128 MiB DIMM slots", slots_text(2, 128)},
      {"x86-256m", "QEMU 1 GiB x86_64, one 256 MiB (two-block) DIMM slot", slots_text(1, 256)},
      // An allocation of one and a half pageblocks leaves a pageblock half
      // used above a full one: compaction has something to move.
      {"x86-1slot-compact", "QEMU 1 GiB x86_64, one 128 MiB DIMM slot, allocations of 1.5 pageblocks, compaction",
       slots_text(1, 128) + "pages count=768 max=1\ncompact\n"},
      {"x86-2node", "QEMU 1 GiB x86_64 on node 0, two 128 MiB DIMM slots on node 1",
       slots_text(2, 128, 0x100000000, 1), {true}},
      {"x86-3slot-noalloc", "QEMU 1 GiB x86_64, three 128 MiB DIMM slots, no allocations",
       slots_text(3, 128) + no_alloc},
      // Without memmap_on_memory: 2.7 million states, 1.3 GB and two and
      // a half minutes on two threads.
      {"x86-4slot-noalloc", "QEMU 1 GiB x86_64, four 128 MiB DIMM slots, no allocations",
       slots_text(4, 128) + no_alloc},
      // Each slot's DIMM has ten states of its own here (10^5 and 10^6 in
      // all); the variants without memmap_on_memory are 100 times as large
      // per slot or more.
      {"x86-5slot-noalloc", "QEMU 1 GiB x86_64, five 128 MiB DIMM slots, no allocations",
       slots_text(5, 128) + no_alloc, {true}},
      {"x86-6slot-noalloc", "QEMU 1 GiB x86_64, six 128 MiB DIMM slots, no allocations",
       slots_text(6, 128) + no_alloc, {true}},
      {"x86-device", "boot RAM with a hole in section 0, seven ZONE_DEVICE ranges, one DIMM slot",
       std::string(kDevices) + slots_text(1, 128) + no_alloc, {true}, kHoleBoot},
      {"x86-3slot", "QEMU 1 GiB x86_64, three 128 MiB DIMM slots, 7 BFS levels",
       slots_text(3, 128) + "depth 7\n"},
      {"x86-4slot", "QEMU 1 GiB x86_64, four 128 MiB DIMM slots, 7 BFS levels",
       slots_text(4, 128) + "depth 7\n"},
      // Zone choice (issue 13): plain online in the alphabet, and the
      // profiles that steer it.
      {"x86-movable-node", "QEMU 1 GiB x86_64, two 128 MiB DIMM slots, movable_node=1, plain online",
       slots_text(2, 128) + no_alloc + all_types, {false}, kQemu1gBoot, " movable_node=1"},
      {"x86-auto-online", "QEMU 1 GiB x86_64, two 128 MiB DIMM slots, memhp_default_state=online, movable_node=1",
       slots_text(2, 128) + no_alloc + all_types, {false}, kQemu1gBoot,
       " memhp_default_state=online movable_node=1"},
      {"x86-auto-kernel", "QEMU 1 GiB x86_64, one 256 MiB DIMM slot, memhp_default_state=online_kernel",
       slots_text(1, 256) + no_alloc + all_types, {true}, kQemu1gBoot, " memhp_default_state=online_kernel"},
      {"x86-auto-movable-state", "QEMU 1 GiB x86_64, one 256 MiB DIMM slot, memhp_default_state=online_movable",
       slots_text(1, 256) + no_alloc + all_types, {true}, kQemu1gBoot, " memhp_default_state=online_movable"},
      {"x86-ratio50", "256 MiB x86_64, two 128 MiB DIMM slots, auto-movable with auto_movable_ratio=50 (one block of MOVABLE)",
       slots_text(2, 128) + no_alloc + all_types, {false}, kSmallBoot,
       " online_policy=auto-movable auto_movable_ratio=50"},
  };
  std::vector<ExploreConfig> out;
  for (const NamedDef& d : defs)
    for (bool mom : d.mom) {
      auto parsed = parse_explore_config(named_text(d, mom));
      if (auto* e = std::get_if<ParseError>(&parsed))
        throw std::logic_error("built-in explore config " + d.name + ":" + std::to_string(e->line) +
                               ": " + e->message);
      out.push_back(std::get<ExploreConfig>(std::move(parsed)));
    }
  return out;
}

// ----------------------------------------------------------- file format --

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string_view strip_comment(std::string_view line) { return line.substr(0, line.find('#')); }

// A slot line has dimm_add's keys; the trace parser reads them.
std::variant<ExploreSlot, std::string> parse_slot(std::string_view line) {
  const std::string args(line.substr(line.find("slot") + 4));
  auto parsed = parse_trace("dimm_add " + args + "\n");
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::string m = e->message;
    if (m.rfind("dimm_add", 0) == 0) m.replace(0, 8, "slot");
    return m;
  }
  const Trace& t = std::get<Trace>(parsed);
  const auto& d = std::get<OpDimmAdd>(t.steps.at(0).op);
  return ExploreSlot{d.nid, d.start, d.size};
}

// A device line has memremap_pages' keys; the trace parser reads them.
std::variant<MemremapRequest, std::string> parse_device(std::string_view line, const ExploreConfig& c) {
  const std::string args(line.substr(line.find("device") + 6));
  auto parsed = parse_trace("memremap_pages " + args + "\n");
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::string m = e->message;
    if (m.rfind("memremap_pages", 0) == 0) m.replace(0, 14, "device");
    return m;
  }
  const auto& d = std::get<OpMemremap>(std::get<Trace>(parsed).steps.at(0).op);
  for (const MemremapRequest& other : c.devices)
    if (other.id == d.req.id) return "device: id " + std::to_string(d.req.id) + " is used twice";
  return d.req;
}

std::optional<u64> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  u64 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<u64>(c - '0');
  }
  return v;
}

// `pages count=N max=M`, either key optional.
std::string parse_pages(const std::vector<std::string_view>& w, ExploreConfig& c) {
  for (std::size_t k = 1; k < w.size(); ++k) {
    const auto eq = w[k].find('=');
    const std::string_view key = w[k].substr(0, eq);
    const auto n = eq == std::string_view::npos ? std::nullopt : parse_count(w[k].substr(eq + 1));
    if (!n || (key != "count" && key != "max")) return "pages: want count=N and/or max=M";
    (key == "count" ? c.alloc_pages : c.max_allocs) = *n;
  }
  return {};
}

// Handles the lines the trace format does not have; false for other lines.
// Sets err on a bad line.
bool config_line(std::string_view raw, ExploreConfig& c, std::string& err) {
  const std::string_view line = strip_comment(raw);
  const auto w = words(line);
  if (w.empty()) return false;
  if (w[0] == "slot") {
    auto s = parse_slot(line);
    if (auto* e = std::get_if<std::string>(&s)) err = *e;
    else c.slots.push_back(std::get<ExploreSlot>(s));
    return true;
  }
  if (w[0] == "pages") {
    err = parse_pages(w, c);
    return true;
  }
  if (w[0] == "device") {
    auto d = parse_device(line, c);
    if (auto* e = std::get_if<std::string>(&d)) err = *e;
    else c.devices.push_back(std::get<MemremapRequest>(d));
    return true;
  }
  if (w[0] == "depth") {
    const auto n = w.size() == 2 ? parse_count(w[1]) : std::nullopt;
    if (!n || !*n) err = "depth: want a number of BFS levels, at least 1";
    else c.max_depth = static_cast<std::uint32_t>(*n);
    return true;
  }
  if (w[0] == "online_types") {
    c.online_types.clear();
    std::string_view rest = w.size() == 2 ? w[1] : std::string_view{};
    while (err.empty() && !rest.empty()) {
      const auto comma = rest.find(',');
      const auto t = online_type_from_name(rest.substr(0, comma));
      if (!t || *t == OnlineType::Offline ||
          std::find(c.online_types.begin(), c.online_types.end(), *t) != c.online_types.end())
        err = "online_types: want online, online_kernel and/or online_movable, comma-separated, each once";
      else
        c.online_types.push_back(*t);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (err.empty() && c.online_types.empty()) err = "online_types: want at least one type";
    return true;
  }
  if (w[0] == "compact") {
    if (w.size() != 1) err = "compact: takes no value";
    else c.compact = true;
    return true;
  }
  if (w[0] == "notifier") {
    const auto e = w.size() == 2 ? errno_from_name(w[1]) : std::nullopt;
    if (!e || *e >= 0) err = "notifier: want one errno, e.g. -EBUSY";
    else c.notifier_errno = *e;
    return true;
  }
  if (w[0] == "name") {
    if (w.size() != 2) err = "name: want one word";
    else c.name = std::string(w[1]);
    return true;
  }
  if (w[0] == "description") {
    const std::string_view rest = raw.substr(raw.find("description") + 11);
    const auto b = rest.find_first_not_of(" \t");
    c.description = b == std::string_view::npos ? "" : std::string(rest.substr(b));
    while (!c.description.empty() && (c.description.back() == '\r' || c.description.back() == ' '))
      c.description.pop_back();
    return true;
  }
  return false;
}

// Slots must be whole memory blocks and must not overlap: the alphabet
// names their blocks. {index of the bad slot, why}, or an empty message.
std::pair<std::size_t, std::string> check_slots(const ExploreConfig& c) {
  const u64 block = c.geo.block_bytes;
  for (std::size_t i = 0; i < c.slots.size(); ++i) {
    const ExploreSlot& s = c.slots[i];
    if (!s.size || !is_aligned(s.start, block) || !is_aligned(s.size, block))
      return {i, "slot: start and size must be whole memory blocks"};
    for (std::size_t j = 0; j < i; ++j)
      if (c.slots[j].start < s.start + s.size && s.start < c.slots[j].start + c.slots[j].size)
        return {i, "slot: overlaps an earlier slot"};
  }
  return {0, {}};
}

int slot_line(const std::string& text, std::size_t index) {
  int lineno = 0;
  std::size_t seen = 0, at = 0;
  while (at <= text.size()) {
    ++lineno;
    const auto nl = text.find('\n', at);
    const auto w = words(strip_comment(std::string_view(text).substr(at, nl - at)));
    if (!w.empty() && w[0] == "slot" && seen++ == index) return lineno;
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return 1;
}

}  // namespace

std::variant<ExploreConfig, ParseError> parse_explore_config(const std::string& text,
                                                             std::optional<KernelSpec> version) {
  ExploreConfig c;
  std::string trace_text;  // the other lines, at their line numbers
  int lineno = 0;
  for (std::size_t at = 0; at <= text.size();) {
    ++lineno;
    const auto nl = text.find('\n', at);
    const std::string_view raw = std::string_view(text).substr(at, nl - at);
    std::string err;
    if (config_line(raw, c, err)) {
      if (!err.empty()) return ParseError{lineno, err};
      trace_text += '\n';
    } else {
      trace_text += std::string(raw) + '\n';
    }
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  auto parsed = parse_trace(trace_text, {}, version);
  if (auto* e = std::get_if<ParseError>(&parsed)) return *e;
  const Trace& t = std::get<Trace>(parsed);
  if (!t.steps.empty()) return ParseError{t.steps[0].line, "operations are not allowed here (use 'slot')"};
  if (t.mutants.any()) return ParseError{1, "'mutant' is not allowed here (use --mutant)"};
  if (!t.check_only.empty() || !t.check_property.empty())
    return ParseError{1, "'check' is not allowed here (use --only)"};
  if (t.boot.empty()) return ParseError{lineno, "no 'boot' line"};
  c.geo = t.geo;
  c.prof = t.prof;
  c.boot = t.boot;
  if (auto [i, e] = check_slots(c); !e.empty()) return ParseError{slot_line(text, i), e};
  return c;
}

std::string print_explore_config(const ExploreConfig& c) {
  Trace t;
  t.geo = c.geo;
  t.prof = c.prof;
  t.boot = c.boot;
  std::string head = print_trace(t);
  head = head.substr(head.find('\n') + 1);  // drop "# memhp trace v1"
  std::string out = "# memhp explore config v1\n";
  if (!c.name.empty()) out += "name " + c.name + "\n";
  if (!c.description.empty()) out += "description " + c.description + "\n";
  out += head;
  for (const ExploreSlot& s : c.slots) {
    const std::string line = print_op(OpDimmAdd{s.nid, s.start, s.size});
    out += "slot" + line.substr(line.find(' ')) + "\n";
  }
  out += "pages count=" + std::to_string(c.alloc_pages) + " max=" + std::to_string(c.max_allocs) + "\n";
  if (c.notifier_errno) out += "notifier " + errno_name(c.notifier_errno) + "\n";
  if (c.compact) out += "compact\n";
  if (c.max_depth) out += "depth " + std::to_string(c.max_depth) + "\n";
  if (c.online_types != ExploreConfig{}.online_types) {
    out += "online_types ";
    for (std::size_t i = 0; i < c.online_types.size(); ++i)
      out += (i ? "," : "") + std::string(online_type_name(c.online_types[i]));
    out += "\n";
  }
  for (const MemremapRequest& d : c.devices) {
    const std::string line = print_op(OpMemremap{d});
    out += "device" + line.substr(line.find(' ')) + "\n";
  }
  return out;
}

const std::vector<ExploreConfig>& explore_configs() {
  static const std::vector<ExploreConfig> all = build_named();
  return all;
}

const ExploreConfig* find_explore_config(std::string_view name) {
  for (const ExploreConfig& c : explore_configs())
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<AlphabetOp> explore_alphabet(const ExploreConfig& c) {
  std::vector<AlphabetOp> a;
  const u64 n = c.pages_per_alloc();
  for (const ExploreSlot& s : c.slots) {
    a.push_back({OpDimmAdd{s.nid, s.start, s.size}, false});
    a.push_back({OpDimmRemove{s.start}, false});
  }
  for (const ExploreSlot& s : c.slots) {
    const u64 first = c.geo.block_id(c.geo.pfn_of(s.start));
    const u64 last = c.geo.block_id(c.geo.pfn_of(s.start + s.size));
    for (u64 b = first; b < last; ++b) {
      for (OnlineType t : c.online_types) a.push_back({OpOnlineBlock{b, t}, false});
      a.push_back({OpOfflineBlock{b}, false});
      if (!c.max_allocs) continue;
      a.push_back({OpAlloc{false, s.nid, Zone::Movable, n, AllocKind::Movable, b}, true});
      a.push_back({OpAlloc{true, s.nid, Zone::Movable, n, AllocKind::Movable, b}, false});
      a.push_back({OpAlloc{false, s.nid, Zone::Normal, n, AllocKind::Unmovable, b}, true});
      a.push_back({OpAlloc{true, s.nid, Zone::Normal, n, AllocKind::Unmovable, b}, false});
    }
  }
  // Migration moves movable pages out of their block (into boot memory or
  // another slot); this free reaches them wherever they went.
  if (c.max_allocs && !c.slots.empty() && !c.boot.empty())
    a.push_back({OpAlloc{true, c.boot.front().nid, Zone::Movable, n, AllocKind::Movable, std::nullopt},
                 false});
  for (const MemremapRequest& d : c.devices) {
    a.push_back({OpMemremap{d}, false});
    a.push_back({OpMemunmap{d.id}, false});
  }
  // The pfn walkers: compaction of each node that has slots, where the
  // configuration asks for it, and a /proc/kpageflags read of the first
  // device range's, or slot's, pfns (it changes nothing: a self-loop).
  if (c.compact) {
    std::vector<int> nodes;
    for (const ExploreSlot& s : c.slots)
      if (std::find(nodes.begin(), nodes.end(), s.nid) == nodes.end()) nodes.push_back(s.nid);
    for (int nid : nodes) a.push_back({OpCompactNode{nid}, false});
  }
  if (!c.devices.empty()) {
    const auto& [start, size] = c.devices.front().ranges.front();
    a.push_back({OpKpageflags{c.geo.pfn_of(start).v, size >> c.geo.page_shift}, false});
  } else if (!c.slots.empty()) {
    a.push_back({OpKpageflags{c.geo.pfn_of(c.slots.front().start).v, c.slots.front().size >> c.geo.page_shift},
                 false});
  }
  if (c.notifier_errno) {
    a.push_back({OpNotifier{c.notifier_errno, 0}, false});
    a.push_back({OpNotifier{0, c.notifier_errno}, false});
    a.push_back({OpNotifier{0, 0}, false});
  }
  return a;
}

std::span<const std::string_view> mutant_search_configs() {
  static constexpr std::string_view kConfigs[] = {
      "x86-1slot",        "x86-1slot-mom", "x86-1slot-veto", "x86-1slot-veto-mom",
      "x86-256m",         "x86-2slot-mom", "x86-2node-mom",  "x86-device-mom",
      "x86-movable-node", "x86-ratio50",   "x86-1slot-compact",
  };
  return kConfigs;
}

std::optional<ShortestViolation> find_shortest_violation(ExploreOptions o, const std::optional<KernelSpec>& kernel) {
  o.stop_at_violation = true;
  for (std::string_view name : mutant_search_configs()) {
    const ExploreConfig* c = find_explore_config(name);
    if (!c) throw std::logic_error("no explorer configuration " + std::string(name));
    auto parsed = parse_explore_config(print_explore_config(*c), kernel);
    if (auto* e = std::get_if<ParseError>(&parsed))
      throw std::logic_error(std::string(name) + " under another kernel: " + e->message);
    auto r = explore(std::get<ExploreConfig>(parsed), o);
    if (auto* e = std::get_if<std::string>(&r)) throw std::logic_error(std::string(name) + ": " + *e);
    ExploreResult& res = std::get<ExploreResult>(r);
    if (!res.violations.empty()) return ShortestViolation{std::string(name), std::move(res.violations.front())};
  }
  return std::nullopt;
}

}  // namespace memhp
