// Trace text: parser and canonical printer (docs/trace-format.md).
//
// The trace library (trace/, memhp_trace, public header memhp/trace.h) is the
// language every other part speaks: the suites write counterexamples in it,
// replay and the explorer print it, the oracle turns it into guest scripts,
// people write scenarios in it. It is this parser and printer, the refusal
// of inputs no kernel caller produces (caller_inputs.cpp) and execution
// against the model (trace_exec.cpp), and it depends on the model alone, so
// that anything above can use it. What only a checker knows stays out: the
// names a `check` header may give are passed in by the caller (CheckNames,
// props/replay.h check_names()), and the mutant names come from the model's
// registry (memhp/mutants.h).
//
// The parser is strict on purpose. A trace is a counterexample someone will
// replay months later; a typo that silently became a default (a misspelt key,
// a size that wrapped around) would make the replay test something else. So
// every token is either understood or rejected with the line and the token.
//
// The printer emits one canonical form, and parse(print(t)) == t. Sizes print
// with the largest exact binary suffix because that is how people write them
// (128M, 4G); addresses always print as hex because that is how /proc/iomem
// and QEMU print them.
#include <array>
#include <map>
#include <sstream>
#include <string_view>

#include "caller_inputs.h"
#include "memhp/trace.h"

namespace memhp {
namespace {

using namespace std::string_literals;

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Where a double-quoted run that opens at s[i] ends (one past its closing
// quote), or s.size() when it never closes.
std::size_t quote_end(std::string_view s, std::size_t i) {
  const auto close = s.find('"', i + 1);
  return close == std::string_view::npos ? s.size() : close + 1;
}

// Tokens split at blanks, except inside double quotes: a resource name
// (`name="System RAM (kmem)"`) is one token, quotes included.
std::vector<std::string_view> split_tokens(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) j = s[j] == '"' ? quote_end(s, j) : j + 1;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The '#' that starts the line's comment, skipping any inside quotes.
std::size_t comment_start(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#') return i;
    if (s[i] == '"') i = quote_end(s, i) - 1;
  }
  return std::string_view::npos;
}

// ------------------------------------------------------------- numbers --

// How a value may be written: plain numbers for counts, block ids and
// nodes; byte quantities may also carry a binary suffix.
enum class Unit { Plain, Bytes };

constexpr std::array<std::pair<char, unsigned>, 4> kSuffixes = {
    {{'T', 40}, {'G', 30}, {'M', 20}, {'K', 10}}};

int digit_value(char c, unsigned base) {
  int d = -1;
  if (c >= '0' && c <= '9') d = c - '0';
  else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
  return d >= 0 && static_cast<unsigned>(d) < base ? d : -1;
}

enum class NumStatus { Ok, Bad, Overflow };

NumStatus parse_digits(std::string_view s, unsigned base, u64& out) {
  if (s.empty()) return NumStatus::Bad;
  u64 v = 0;
  for (char c : s) {
    int d = digit_value(c, base);
    if (d < 0) return NumStatus::Bad;
    if (v > (~u64{0} - static_cast<u64>(d)) / base) return NumStatus::Overflow;
    v = v * base + static_cast<u64>(d);
  }
  out = v;
  return NumStatus::Ok;
}

unsigned suffix_shift(char c) {
  for (auto [ch, shift] : kSuffixes)
    if (c == ch || c == ch - 'A' + 'a') return shift;
  return 0;
}

NumStatus parse_number(std::string_view s, Unit unit, u64& out) {
  unsigned shift = 0;
  if (unit == Unit::Bytes && !s.empty()) {
    shift = suffix_shift(s.back());
    if (shift) s.remove_suffix(1);
  }
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  u64 v = 0;
  if (auto st = parse_digits(s, base, v); st != NumStatus::Ok) return st;
  if (shift && v > (~u64{0} >> shift)) return NumStatus::Overflow;
  out = v << shift;
  return NumStatus::Ok;
}

}  // namespace

std::optional<u64> parse_byte_size(std::string_view s) {
  u64 v = 0;
  if (parse_number(s, Unit::Bytes, v) != NumStatus::Ok) return std::nullopt;
  return v;
}

namespace {

std::string hex(u64 v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

std::string format_size(u64 v) {
  if (v == 0) return "0";
  for (auto [ch, shift] : kSuffixes)
    if ((v & ((u64{1} << shift) - 1)) == 0)
      return std::to_string(v >> shift) + ch;
  return hex(v);
}

// ---------------------------------------------------------------- names --

// Names of the values that only the trace format knows; the kernel's own
// names (zones, online types, errnos) come from types.h.
constexpr std::array<std::pair<std::string_view, AllocKind>, 2> kAllocKinds = {
    {{"movable", AllocKind::Movable}, {"unmovable", AllocKind::Unmovable}}};
constexpr std::array<std::pair<std::string_view, OnlinePolicy>, 2> kPolicies = {
    {{"contig-zones", OnlinePolicy::ContigZones},
     {"auto-movable", OnlinePolicy::AutoMovable}}};
// Printed in this order when several are set.
constexpr std::array<std::pair<std::string_view, unsigned>, 2> kFlagNames = {
    {{"memmap_on_memory", MHP_MEMMAP_ON_MEMORY},
     {"merge_resource", MHP_MERGE_RESOURCE}}};

template <class T, std::size_t N>
std::optional<T> lookup(const std::array<std::pair<std::string_view, T>, N>& table,
                        std::string_view name) {
  for (const auto& [n, v] : table)
    if (n == name) return v;
  return std::nullopt;
}

template <class T, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, T>, N>& table,
                         T value) {
  for (const auto& [n, v] : table)
    if (v == value) return n;
  return "?";
}

std::string format_flags(unsigned flags) {
  std::string out;
  for (auto [name, bit] : kFlagNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
    flags &= ~bit;
  }
  // Bits the format has no name for (MHP_NID_IS_MGID) print as a number the
  // parser rejects: a trace that cannot round-trip must fail loudly.
  if (flags) out += (out.empty() ? "" : ",") + hex(flags);
  return out;
}

// ----------------------------------------------------------- key=value --

// The key=value arguments of one line, checked against the keys the line
// allows. Getters record the first error and return a default afterwards,
// so each op parser reads as a plain list of fields.
class Fields {
 public:
  Fields(std::string_view what, std::vector<std::string_view> required,
         std::vector<std::string_view> optional)
      : what_(what), required_(std::move(required)), optional_(std::move(optional)) {}

  // Reads the key=value tokens; false (with error()) on any malformed,
  // unknown, duplicate or missing key.
  bool load(const std::vector<std::string_view>& tokens) {
    for (auto tok : tokens) {
      auto eq = tok.find('=');
      if (eq == std::string_view::npos) return fail("missing '=' in " + quoted(tok));
      auto key = tok.substr(0, eq);
      if (key.empty()) return fail("missing key in " + quoted(tok));
      if (!allowed(key)) return fail(prefix() + "unknown key " + quoted(key));
      if (!kv_.emplace(key, tok.substr(eq + 1)).second)
        return fail(prefix() + "duplicate key " + quoted(key));
    }
    for (auto key : required_)
      if (!kv_.count(key)) return fail(prefix() + "missing key " + quoted(key));
    return true;
  }

  bool has(std::string_view key) const { return kv_.count(key) != 0; }

  // The value as written, or "" when the key is absent.
  std::string_view text(std::string_view key) const {
    auto it = kv_.find(key);
    return it == kv_.end() ? std::string_view{} : it->second;
  }

  u64 number(std::string_view key, Unit unit = Unit::Plain) {
    auto v = raw(key);
    u64 out = 0;
    if (!v) return 0;
    switch (parse_number(*v, unit, out)) {
      case NumStatus::Ok: return out;
      case NumStatus::Bad: fail("bad number " + quoted(*v) + " for " + quoted(key)); break;
      case NumStatus::Overflow:
        fail("number too large " + quoted(*v) + " for " + quoted(key));
        break;
    }
    return 0;
  }

  std::optional<u64> opt_number(std::string_view key) {
    if (!has(key)) return std::nullopt;
    return number(key);
  }

  int node(std::string_view key) { return bounded(key, kMaxNodes - 1); }

  // A small decimal/hex integer in [0, max].
  int bounded(std::string_view key, int max) {
    u64 v = number(key);
    if (!error_.empty()) return 0;
    if (v > static_cast<u64>(max)) {
      fail(std::string(key) + " " + quoted(*raw(key)) + " out of range 0.." +
           std::to_string(max));
      return 0;
    }
    return static_cast<int>(v);
  }

  // An unsigned int module parameter (kstrtouint): 0..2^32-1.
  unsigned uint32(std::string_view key) {
    const u64 v = number(key);
    if (!error_.empty()) return 0;
    if (v > 0xffffffffu) {
      fail(std::string(key) + " " + quoted(*raw(key)) + " out of range 0..4294967295");
      return 0;
    }
    return static_cast<unsigned>(v);
  }

  bool boolean(std::string_view key) {
    auto v = raw(key);
    if (v && *v != "0" && *v != "1") bad_value(key, *v);
    return v && *v == "1";
  }

  int errno_value(std::string_view key) {
    auto v = raw(key);
    if (!v) return 0;
    auto e = errno_from_name(*v);
    if (!e || *e > 0) return bad_value(key, *v), 0;
    return *e;
  }

  // Looks the value up with `from_name`; nullopt from it is a bad value.
  template <class T, class F>
  T named(std::string_view key, F&& from_name, T fallback) {
    auto v = raw(key);
    if (!v) return fallback;
    std::optional<T> r = from_name(*v);
    if (!r) return bad_value(key, *v), fallback;
    return *r;
  }

  // A double-quoted string: the text between the quotes, which holds no
  // quote itself (the printer could not write one back).
  std::string quoted_text(std::string_view key) {
    auto v = raw(key);
    if (!v) return {};
    if (v->size() < 2 || v->front() != '"' || v->back() != '"' ||
        v->substr(1, v->size() - 2).find('"') != std::string_view::npos) {
      fail("bad value " + quoted(*v) + " for " + quoted(key) + " (a name is written in double quotes)");
      return {};
    }
    return std::string(v->substr(1, v->size() - 2));
  }

  // A comma-separated list of delta names (`with=a,b`), each at most once.
  DeltaSet deltas(std::string_view key) {
    auto v = raw(key);
    DeltaSet out;
    if (!v) return out;
    std::string_view rest = *v;
    while (true) {
      auto comma = rest.find(',');
      auto name = rest.substr(0, comma);
      auto d = delta_from_name(name);
      if (!d) return fail("unknown delta " + quoted(name) + " for " + quoted(key)), DeltaSet{};
      if (out.test(static_cast<std::size_t>(*d))) return bad_value(key, *v), DeltaSet{};
      out.set(static_cast<std::size_t>(*d));
      if (comma == std::string_view::npos) return out;
      rest.remove_prefix(comma + 1);
    }
  }

  unsigned flags(std::string_view key) {
    auto v = raw(key);
    if (!v || *v == "none") return MHP_NONE;
    unsigned out = MHP_NONE;
    std::string_view rest = *v;
    while (true) {
      auto comma = rest.find(',');
      auto name = rest.substr(0, comma);
      auto bit = lookup(kFlagNames, name);
      if (!bit || (out & *bit)) return bad_value(key, *v), MHP_NONE;
      out |= *bit;
      if (comma == std::string_view::npos) return out;
      rest.remove_prefix(comma + 1);
    }
  }

  const std::string& error() const { return error_; }

 private:
  std::optional<std::string_view> raw(std::string_view key) const {
    if (!error_.empty()) return std::nullopt;
    auto it = kv_.find(key);
    if (it == kv_.end()) return std::nullopt;
    return it->second;
  }
  bool allowed(std::string_view key) const {
    for (auto k : required_) if (k == key) return true;
    for (auto k : optional_) if (k == key) return true;
    return false;
  }
  std::string prefix() const { return std::string(what_) + ": "; }
  bool bad_value(std::string_view key, std::string_view v) {
    return fail("bad value " + quoted(v) + " for " + quoted(key));
  }
  bool fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }

  std::string_view what_;
  std::vector<std::string_view> required_, optional_;
  std::map<std::string_view, std::string_view, std::less<>> kv_;
  std::string error_;
};

// ------------------------------------------------------------ op lines --

using Parsed = std::variant<Op, std::string>;  // the op, or an error message

Parsed finish(const Fields& f, Op op) {
  if (!f.error().empty()) return f.error();
  return op;
}

// add_memory and add_memory_driver_managed: the same arguments, and the
// resource name for the second. The name is what the driver passes; 6.1
// checks it (-EINVAL unless "System RAM (...)"), so any quoted text parses.
Parsed parse_add(const std::vector<std::string_view>& args, bool driver_managed) {
  Fields f(driver_managed ? "add_memory_driver_managed" : "add_memory",
           driver_managed ? std::vector<std::string_view>{"node", "start", "size", "name"}
                          : std::vector<std::string_view>{"node", "start", "size"},
           {"flags"});
  if (!f.load(args)) return f.error();
  OpAddMemory o;
  o.nid = f.node("node");
  o.start = f.number("start", Unit::Bytes);
  o.size = f.number("size", Unit::Bytes);
  if (driver_managed) o.resource_name = f.quoted_text("name");
  o.flags = f.flags("flags");
  return finish(f, o);
}

Parsed parse_add_memory(const std::vector<std::string_view>& args) { return parse_add(args, false); }
Parsed parse_add_memory_driver_managed(const std::vector<std::string_view>& args) { return parse_add(args, true); }

Parsed parse_dimm_add(const std::vector<std::string_view>& args) {
  Fields f("dimm_add", {"node", "start", "size"}, {});
  if (!f.load(args)) return f.error();
  OpDimmAdd o;
  o.nid = f.node("node");
  o.start = f.number("start", Unit::Bytes);
  o.size = f.number("size", Unit::Bytes);
  return finish(f, o);
}

Parsed parse_dimm_remove(const std::vector<std::string_view>& args) {
  Fields f("dimm_remove", {"start"}, {});
  if (!f.load(args)) return f.error();
  OpDimmRemove o;
  o.start = f.number("start", Unit::Bytes);
  return finish(f, o);
}

// online_block takes the three online types; "offline" is offline_block.
std::optional<OnlineType> online_type_arg(std::string_view s) {
  auto t = online_type_from_name(s);
  if (t == OnlineType::Offline) return std::nullopt;
  return t;
}

Parsed parse_online_block(const std::vector<std::string_view>& args) {
  Fields f("online_block", {"block", "type"}, {});
  if (!f.load(args)) return f.error();
  OpOnlineBlock o;
  o.block = f.number("block");
  o.type = f.named("type", online_type_arg, OnlineType::Online);
  return finish(f, o);
}

Parsed parse_offline_block(const std::vector<std::string_view>& args) {
  Fields f("offline_block", {"block"}, {});
  if (!f.load(args)) return f.error();
  OpOfflineBlock o;
  o.block = f.number("block");
  return finish(f, o);
}

Parsed parse_remove_memory(const std::vector<std::string_view>& args) {
  Fields f("remove_memory", {"start", "size"}, {});
  if (!f.load(args)) return f.error();
  OpRemoveMemory o;
  o.start = f.number("start", Unit::Bytes);
  o.size = f.number("size", Unit::Bytes);
  return finish(f, o);
}

Parsed parse_alloc(const std::vector<std::string_view>& args, bool free) {
  Fields f(free ? "free" : "alloc", {"node", "zone", "count", "kind"}, {"block"});
  if (!f.load(args)) return f.error();
  OpAlloc o;
  o.free = free;
  o.nid = f.node("node");
  o.zone = f.named("zone", zone_from_name, Zone::Normal);
  o.count = f.number("count");
  o.kind = f.named("kind", [](std::string_view s) { return lookup(kAllocKinds, s); },
                   AllocKind::Movable);
  o.block = f.opt_number("block");
  return finish(f, o);
}

// "START+SIZE" pairs, comma separated; sizes take suffixes.
std::optional<std::vector<std::pair<u64, u64>>> parse_pairs(std::string_view text, Unit unit) {
  std::vector<std::pair<u64, u64>> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const auto plus = item.find('+');
    if (plus == std::string_view::npos) return std::nullopt;
    u64 a = 0, b = 0;
    if (parse_number(item.substr(0, plus), unit, a) != NumStatus::Ok ||
        parse_number(item.substr(plus + 1), unit, b) != NumStatus::Ok)
      return std::nullopt;
    out.emplace_back(a, b);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

constexpr std::array<std::pair<std::string_view, PgmapType>, 3> kPgmapTypes = {
    {{"fsdax", PgmapType::FsDax}, {"generic", PgmapType::Generic}, {"private", PgmapType::Private}}};

Parsed parse_memremap(const std::vector<std::string_view>& args) {
  Fields f("memremap_pages", {"id", "type", "node", "ranges"}, {"shift", "altmap"});
  if (!f.load(args)) return f.error();
  OpMemremap o;
  o.req.id = f.bounded("id", 1 << 20);
  o.req.type = f.named("type", [](std::string_view s) { return lookup(kPgmapTypes, s); }, PgmapType::FsDax);
  o.req.nid = f.node("node");
  o.req.vmemmap_shift = static_cast<unsigned>(f.bounded("shift", 30));
  if (!f.error().empty()) return f.error();
  auto ranges = parse_pairs(f.text("ranges"), Unit::Bytes);
  if (!ranges || ranges->empty()) return "memremap_pages: bad ranges " + quoted(f.text("ranges"));
  o.req.ranges = *ranges;
  if (f.has("altmap")) {
    auto alt = parse_pairs(f.text("altmap"), Unit::Plain);
    if (!alt || alt->size() != 1) return "memremap_pages: bad altmap " + quoted(f.text("altmap"));
    o.req.altmap = alt->front();
  }
  return finish(f, o);
}

Parsed parse_memunmap(const std::vector<std::string_view>& args) {
  Fields f("memunmap_pages", {"id"}, {});
  if (!f.load(args)) return f.error();
  OpMemunmap o;
  o.id = f.bounded("id", 1 << 20);
  return finish(f, o);
}

Parsed parse_notifier(const std::vector<std::string_view>& args) {
  Fields f("memory_notifier", {}, {"going_online", "going_offline"});
  if (!f.load(args)) return f.error();
  OpNotifier o;
  o.going_online = f.errno_value("going_online");
  o.going_offline = f.errno_value("going_offline");
  return finish(f, o);
}

Parsed parse_compact_node(const std::vector<std::string_view>& args) {
  Fields f("compact_node", {"node"}, {});
  if (!f.load(args)) return f.error();
  OpCompactNode o;
  o.nid = f.node("node");
  return finish(f, o);
}

Parsed parse_kpageflags(const std::vector<std::string_view>& args) {
  Fields f("kpageflags", {"pfn", "count"}, {});
  if (!f.load(args)) return f.error();
  OpKpageflags o;
  o.pfn = f.number("pfn");
  o.count = f.number("count");
  return finish(f, o);
}

Parsed parse_sysfs_write(const std::vector<std::string_view>& args) {
  Fields f("sysfs_write", {"block", "attr", "value"}, {});
  if (!f.load(args)) return f.error();
  OpSysfsWrite o;
  o.block = f.number("block");
  o.attr = f.named(
      "attr",
      [](std::string_view a) -> std::optional<BlockAttr> {
        if (a == "state") return BlockAttr::State;
        if (a == "online") return BlockAttr::Online;
        return std::nullopt;
      },
      BlockAttr::State);
  o.value = std::string(f.text("value"));
  return finish(f, o);
}

Parsed parse_alloc_op(const std::vector<std::string_view>& args) { return parse_alloc(args, false); }
Parsed parse_free_op(const std::vector<std::string_view>& args) { return parse_alloc(args, true); }

// Every op of the language, in the order docs/trace-format.md lists them;
// op_names() (README and docs tests) reads the same table.
constexpr std::array<std::pair<std::string_view, Parsed (*)(const std::vector<std::string_view>&)>, 15> kOps = {{
    {"add_memory", parse_add_memory},
    {"add_memory_driver_managed", parse_add_memory_driver_managed},
    {"dimm_add", parse_dimm_add},
    {"dimm_remove", parse_dimm_remove},
    {"online_block", parse_online_block},
    {"offline_block", parse_offline_block},
    {"sysfs_write", parse_sysfs_write},
    {"remove_memory", parse_remove_memory},
    {"alloc", parse_alloc_op},
    {"free", parse_free_op},
    {"memory_notifier", parse_notifier},
    {"memremap_pages", parse_memremap},
    {"memunmap_pages", parse_memunmap},
    {"compact_node", parse_compact_node},
    {"kpageflags", parse_kpageflags},
}};

Parsed parse_op(std::string_view name, const std::vector<std::string_view>& args) {
  for (const auto& [op, parse] : kOps)
    if (op == name) return parse(args);
  return "unknown op " + quoted(name);
}

// ------------------------------------------------------- input bounds --
//
// An op no kernel caller can issue is refused here, with the line, before
// anything runs; an op some caller can issue, however odd, goes to the model,
// which answers as the kernel does (an errno, a WARN or a BUG). The cases and
// the kernel code behind each decision are listed in NOTES.md "Input bounds".

// start + size does not fit in 64 bits.
bool wraps(u64 start, u64 size) { return size > ~u64{0} - start; }

struct Bounds {
  const Geometry& geo;

  /* mm/memory_hotplug.c: try_remove_memory() checks only the block alignment
     (BUG_ON(check_hotplug_memory_range()), which the model reports as the
     BUG). Its callers, acpi_memory_remove_memory() and dev_dax_kmem_remove(),
     remove ranges they added, and register_memory_resource() added none that
     mhp_range_allowed() refused: a range that wraps or ends past
     MAX_PHYSMEM_BITS never gets here. The kernel would walk every block id
     and section number of it (2^35 sections for start=4G size=2^62). */
  std::string operator()(const OpRemoveMemory& o) const {
    if (wraps(o.start, o.size)) return "remove_memory: start + size wraps around 2^64";
    const u64 limit = u64{1} << geo.max_physmem_bits;
    if (o.start + o.size > limit)
      return "remove_memory: range ends past MAX_PHYSMEM_BITS (" +
             std::to_string(geo.max_physmem_bits) +
             " bits on " + geo.name + "): no caller can have added it";
    return {};
  }

  /* mm/memremap.c: pagemap_range() takes a struct range [start, end], which
     drivers fill from a struct resource (start <= end): a range that wraps
     cannot be described. One past MAX_PHYSMEM_BITS can, and gets -EINVAL
     from mhp_range_allowed() in the model as in the kernel. The altmap's
     reserve and free (nvdimm's nd_pfn_init(): carved out of the namespace)
     are bounded by the device's size, so their sum cannot wrap either;
     a sum larger than the range gets -EINVAL from __add_pages(). */
  std::string operator()(const OpMemremap& o) const {
    for (auto [start, size] : o.req.ranges)
      if (wraps(start, size)) return "memremap_pages: range " + hex(start) + "+" + hex(size) +
                                     " wraps around 2^64";
    if (o.req.altmap && wraps(o.req.altmap->first, o.req.altmap->second))
      return "memremap_pages: altmap reserve + free wraps around 2^64";
    return {};
  }

  /* fs/proc/page.c: kpageflags_read() is reached by pread() at offset
     pfn * 8, a loff_t: a pfn from 2^60 on has no offset, and a count of
     2^61 entries or more no byte count (count * 8 in a size_t). */
  std::string operator()(const OpKpageflags& o) const {
    if (o.pfn >> 60) return "kpageflags: pfn " + hex(o.pfn) + " is past any /proc/kpageflags offset";
    if (o.count >> 61) return "kpageflags: count " + hex(o.count) + " is past any read size";
    return {};
  }

  // add_memory and dimm_add: __add_memory() -> register_memory_resource()
  // returns -E2BIG for a range mhp_range_allowed() refuses, wrapped or past
  // MAX_PHYSMEM_BITS (the ACPI driver turns it into -EINVAL). Block ids,
  // counts and pgmap ids that name nothing get the errno of the sysfs or
  // allocator path (-ENOENT, -ENOMEM, -EINVAL). Nothing to refuse.
  template <class T>
  std::string operator()(const T&) const { return {}; }
};

// ----------------------------------------------------- header lines --

std::string parse_geometry(const std::vector<std::string_view>& tokens, Geometry& geo) {
  if (tokens.size() < 2 || tokens[1].find('=') != std::string_view::npos)
    return "geometry: missing name";
  auto preset = geometry_preset(tokens[1]);
  if (!preset) return "unknown geometry " + quoted(tokens[1]);
  Fields f("geometry", {}, {"block"});
  if (!f.load(std::vector<std::string_view>(tokens.begin() + 2, tokens.end())))
    return f.error();
  geo = *preset;
  if (f.has("block")) geo.block_bytes = f.number("block", Unit::Bytes);
  return f.error();
}

// `over` (--profile): the line is read as if it named that version, and the
// spec's deltas change the line's own.
std::string parse_profile(std::vector<std::string_view> tokens, Profile& prof,
                          const std::optional<KernelSpec>& over) {
  if (over && tokens.size() >= 2 && tokens[1].find('=') == std::string_view::npos)
    tokens[1] = version_name(over->version);
  if (tokens.size() < 2 || tokens[1].find('=') != std::string_view::npos)
    return "profile: missing version";
  const auto version = version_from_name(tokens[1]);
  if (!version)
    return "profile: unknown version " + quoted(tokens[1]) + " (want v6.1, v6.12 or v6.19)";
  Fields f("profile", {},
           {"memmap_on_memory", "memhp_default_state", "movable_node", "online_policy",
            "auto_movable_ratio", "auto_movable_numa_aware", "possible_nodes", "with", "without"});
  if (!f.load(std::vector<std::string_view>(tokens.begin() + 2, tokens.end())))
    return f.error();
  Profile p;
  p.follow(*version);
  const DeltaSet with = f.deltas("with"), without = f.deltas("without");
  if (f.error().empty() && (with & without).any())
    return "profile: a delta is both in 'with' and in 'without'";
  p.deltas = (p.deltas | with) & ~without;
  if (over) p.deltas = over->adjust(p.deltas);
  // mm/memory_hotplug.c: the memmap_on_memory parameter is a bool in 6.1;
  // from 6.6 its set() also accepts "force".
  if (f.text("memmap_on_memory") == "force") {
    if (!p.has(Delta::MomForceMode))
      return "profile: memmap_on_memory=force needs delta mom_force_mode (6.6); " +
             std::string(version_name(*version)) + " takes 0 or 1";
    p.memmap_on_memory = p.memmap_on_memory_force = true;
  } else {
    p.memmap_on_memory = f.boolean("memmap_on_memory");
  }
  p.memhp_default_state =
      f.named("memhp_default_state", online_type_from_name, default_online_type(*version));
  p.movable_node = f.boolean("movable_node");
  p.online_policy = f.named(
      "online_policy", [](std::string_view s) { return lookup(kPolicies, s); },
      OnlinePolicy::ContigZones);
  // mm/memory_hotplug.c: module_param(auto_movable_ratio, uint, 0644)
  if (f.has("auto_movable_ratio")) p.auto_movable_ratio = f.uint32("auto_movable_ratio");
  if (f.has("auto_movable_numa_aware")) p.auto_movable_numa_aware = f.boolean("auto_movable_numa_aware");
  p.possible_nodes = f.bounded("possible_nodes", kMaxNodes);
  if (f.error().empty()) prof = p;
  return f.error();
}

std::string parse_mutant(const std::vector<std::string_view>& tokens, MutantSet& mutants) {
  if (tokens.size() != 2) return "mutant: want one name";
  auto m = mutant_from_name(tokens[1]);
  if (!m) return "unknown mutant " + quoted(tokens[1]);
  mutants.set(*m);
  return {};
}

// The names themselves belong to the checkers: `names` knows them, if the
// caller passed it (trace.h, CheckNames).
std::string parse_check(const std::vector<std::string_view>& tokens, const CheckNames& names,
                        Trace& t) {
  Fields f("check", {}, {"only", "property"});
  if (!f.load(std::vector<std::string_view>(tokens.begin() + 1, tokens.end()))) return f.error();
  if (f.has("only") == f.has("property")) return "check: want one of 'only' or 'property'";
  if (f.has("only")) {
    t.check_only = std::string(f.text("only"));
    if (names.only && !names.only(t.check_only)) return "unknown invariant " + quoted(t.check_only);
  } else {
    t.check_property = std::string(f.text("property"));
    if (names.property && !names.property(t.check_property))
      return "unknown property " + quoted(t.check_property);
  }
  return f.error();
}

std::string parse_boot(const std::vector<std::string_view>& args, BootRange& out) {
  Fields f("boot", {"node", "start", "size"}, {});
  if (!f.load(args)) return f.error();
  out.nid = f.node("node");
  out.start = f.number("start", Unit::Bytes);
  out.size = f.number("size", Unit::Bytes);
  return f.error();
}

// ------------------------------------------------------------- lines --

struct Line {
  std::vector<std::string_view> tokens;
  std::optional<int> expect;
};

// Splits off the comment and reads an `expect:` in it.
std::variant<Line, std::string> split_line(std::string_view text) {
  Line line;
  auto hash = comment_start(text);
  line.tokens = split_tokens(text.substr(0, hash));
  if (hash == std::string_view::npos) return line;
  auto comment = text.substr(hash + 1);
  auto at = comment.find("expect:");
  if (at == std::string_view::npos) return line;
  auto words = split_tokens(comment.substr(at + 7));
  if (words.empty()) return "expect: missing result"s;
  auto e = errno_from_name(words[0]);
  if (!e || *e > 0) return "expect: unknown result " + quoted(words[0]);
  line.expect = *e;
  return line;
}

// Where in the file we are: headers, then boot lines, then ops.
enum class Phase { Header, Boot, Ops };

class TraceParser {
 public:
  TraceParser(Trace& t, const CheckNames& names, std::optional<KernelSpec> version)
      : t_(t), names_(names), version_(version) {}

  // Handles one non-blank line; returns an error message or "".
  std::string line(int lineno, const Line& l) {
    auto word = l.tokens[0];
    std::vector<std::string_view> args(l.tokens.begin() + 1, l.tokens.end());
    bool is_op = word != "geometry" && word != "profile" && word != "boot" && word != "mutant" &&
                 word != "check";
    if (l.expect && !is_op) return "expect: not allowed on " + quoted(word);
    if (word == "mutant") return header(word, seen_mutant_, [&] {
        seen_mutant_ = false;  // may repeat
        return parse_mutant(l.tokens, t_.mutants);
      });
    if (word == "check") return header(word, seen_check_, [&] { return parse_check(l.tokens, names_, t_); });
    if (word == "geometry") return header(word, seen_geometry_, [&] {
        return parse_geometry(l.tokens, t_.geo);
      });
    if (word == "profile") return header(word, seen_profile_, [&] {
        return parse_profile(l.tokens, t_.prof, version_);
      });
    if (word == "boot") return boot(args);
    return op(lineno, word, args, l.expect);
  }

 private:
  template <class F>
  std::string header(std::string_view word, bool& seen, F&& parse) {
    if (phase_ == Phase::Ops) return quoted(word) + " after an operation";
    if (phase_ == Phase::Boot) return quoted(word) + " after 'boot'";
    if (seen) return "duplicate " + quoted(word);
    seen = true;
    return parse();
  }

  std::string boot(const std::vector<std::string_view>& args) {
    if (phase_ == Phase::Ops) return "'boot' after an operation";
    phase_ = Phase::Boot;
    BootRange r;
    auto err = parse_boot(args, r);
    if (err.empty()) t_.boot.push_back(r);
    return err;
  }

  std::string op(int lineno, std::string_view word,
                 const std::vector<std::string_view>& args, std::optional<int> expect) {
    phase_ = Phase::Ops;
    auto parsed = parse_op(word, args);
    if (auto* err = std::get_if<std::string>(&parsed)) return *err;
    // The geometry line, if any, came before the first op.
    if (auto err = std::visit(Bounds{t_.geo}, std::get<Op>(parsed)); !err.empty()) return err;
    if (auto why = refused_caller_input(t_.geo, std::get<Op>(parsed))) return *why;
    t_.steps.push_back(TraceStep{lineno, std::get<Op>(parsed), expect});
    return {};
  }

  Trace& t_;
  const CheckNames& names_;
  std::optional<KernelSpec> version_;
  Phase phase_ = Phase::Header;
  bool seen_geometry_ = false, seen_profile_ = false, seen_mutant_ = false, seen_check_ = false;
};

bool is_blank_or_comment(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return i == s.size() || s[i] == '#';
}

// ----------------------------------------------------------- printing --

struct OpNamer {
  std::string operator()(const OpAddMemory& o) const {
    return o.resource_name ? "add_memory_driver_managed" : "add_memory";
  }
  std::string operator()(const OpDimmAdd&) const { return "dimm_add"; }
  std::string operator()(const OpDimmRemove&) const { return "dimm_remove"; }
  std::string operator()(const OpMemremap&) const { return "memremap_pages"; }
  std::string operator()(const OpMemunmap&) const { return "memunmap_pages"; }
  std::string operator()(const OpCompactNode&) const { return "compact_node"; }
  std::string operator()(const OpKpageflags&) const { return "kpageflags"; }
  std::string operator()(const OpSysfsWrite&) const { return "sysfs_write"; }
  std::string operator()(const OpOnlineBlock&) const { return "online_block"; }
  std::string operator()(const OpOfflineBlock&) const { return "offline_block"; }
  std::string operator()(const OpRemoveMemory&) const { return "remove_memory"; }
  std::string operator()(const OpAlloc& o) const { return o.free ? "free" : "alloc"; }
  std::string operator()(const OpNotifier&) const { return "memory_notifier"; }
};

struct OpPrinter {
  std::string operator()(const OpAddMemory& o) const {
    std::string s = OpNamer{}(o) + " node=" + std::to_string(o.nid) + " start=" + hex(o.start) +
                    " size=" + format_size(o.size);
    if (o.resource_name) s += " name=\"" + *o.resource_name + "\"";
    if (o.flags != MHP_NONE) s += " flags=" + format_flags(o.flags);
    return s;
  }
  std::string operator()(const OpDimmAdd& o) const {
    return "dimm_add node=" + std::to_string(o.nid) + " start=" + hex(o.start) +
           " size=" + format_size(o.size);
  }
  std::string operator()(const OpDimmRemove& o) const { return "dimm_remove start=" + hex(o.start); }
  std::string operator()(const OpMemremap& o) const {
    std::string s = "memremap_pages id=" + std::to_string(o.req.id) +
                    " type=" + std::string(name_of(kPgmapTypes, o.req.type)) +
                    " node=" + std::to_string(o.req.nid) + " ranges=";
    for (std::size_t i = 0; i < o.req.ranges.size(); ++i)
      s += (i ? "," : "") + hex(o.req.ranges[i].first) + "+" + format_size(o.req.ranges[i].second);
    if (o.req.vmemmap_shift) s += " shift=" + std::to_string(o.req.vmemmap_shift);
    if (o.req.altmap)
      s += " altmap=" + std::to_string(o.req.altmap->first) + "+" + std::to_string(o.req.altmap->second);
    return s;
  }
  std::string operator()(const OpMemunmap& o) const { return "memunmap_pages id=" + std::to_string(o.id); }
  std::string operator()(const OpCompactNode& o) const { return "compact_node node=" + std::to_string(o.nid); }
  std::string operator()(const OpKpageflags& o) const {
    return "kpageflags pfn=" + hex(o.pfn) + " count=" + std::to_string(o.count);
  }
  std::string operator()(const OpSysfsWrite& o) const {
    return "sysfs_write block=" + std::to_string(o.block) +
           " attr=" + (o.attr == BlockAttr::State ? "state" : "online") + " value=" + o.value;
  }
  std::string operator()(const OpOnlineBlock& o) const {
    return "online_block block=" + std::to_string(o.block) +
           " type=" + std::string(online_type_name(o.type));
  }
  std::string operator()(const OpOfflineBlock& o) const {
    return "offline_block block=" + std::to_string(o.block);
  }
  std::string operator()(const OpRemoveMemory& o) const {
    return "remove_memory start=" + hex(o.start) + " size=" + format_size(o.size);
  }
  std::string operator()(const OpAlloc& o) const {
    std::string s = std::string(o.free ? "free" : "alloc") +
                    " node=" + std::to_string(o.nid) +
                    " zone=" + std::string(zone_name(o.zone)) +
                    " count=" + std::to_string(o.count) +
                    " kind=" + std::string(name_of(kAllocKinds, o.kind));
    if (o.block) s += " block=" + std::to_string(*o.block);
    return s;
  }
  std::string operator()(const OpNotifier& o) const {
    std::string s = "memory_notifier";
    if (o.going_online) s += " going_online=" + errno_name(o.going_online);
    if (o.going_offline) s += " going_offline=" + errno_name(o.going_offline);
    return s;
  }
};


std::string print_geometry(const Geometry& g) {
  std::string s = "geometry " + g.name;
  auto preset = geometry_preset(g.name);
  if (!preset || preset->block_bytes != g.block_bytes)
    s += " block=" + format_size(g.block_bytes);
  return s;
}

std::string print_profile(const Profile& p) { return "profile " + profile_to_string(p); }

}  // namespace

std::variant<Trace, ParseError> parse_trace(const std::string& text, const CheckNames& names,
                                            std::optional<KernelSpec> version) {
  Trace t;
  auto x86 = geometry_preset("x86_64");
  if (!x86) return ParseError{1, "no 'x86_64' geometry preset"};
  t.geo = *x86;
  if (version) {  // no profile line: the version's defaults
    t.prof.follow(*version);
    t.prof.memhp_default_state = default_online_type(version->version);
  }
  TraceParser parser(t, names, version);
  std::string_view rest = text;
  for (int lineno = 1; !rest.empty(); ++lineno) {
    auto nl = rest.find('\n');
    auto raw = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (is_blank_or_comment(raw)) continue;
    auto split = split_line(raw);
    if (auto* err = std::get_if<std::string>(&split)) return ParseError{lineno, *err};
    auto& line = std::get<Line>(split);
    if (line.tokens.empty()) continue;  // only a comment after leading blanks
    if (auto err = parser.line(lineno, line); !err.empty())
      return ParseError{lineno, std::move(err)};
  }
  return t;
}

std::string print_op(const Op& op) { return std::visit(OpPrinter{}, op); }

std::string op_name(const Op& op) { return std::visit(OpNamer{}, op); }

std::vector<std::string_view> op_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kOps) names.push_back(entry.first);
  return names;
}

std::string print_trace(const Trace& t) {
  std::string out = "# memhp trace v1\n";
  out += print_geometry(t.geo) + "\n";
  out += print_profile(t.prof) + "\n";
  for (const MutantInfo& m : mutant_registry())
    if (t.mutants.has(id_of(m))) out += "mutant " + std::string(m.name) + "\n";
  if (!t.check_only.empty()) out += "check only=" + t.check_only + "\n";
  if (!t.check_property.empty()) out += "check property=" + t.check_property + "\n";
  for (const auto& b : t.boot)
    out += "boot node=" + std::to_string(b.nid) + " start=" + hex(b.start) +
           " size=" + format_size(b.size) + "\n";
  for (const auto& step : t.steps) {
    out += print_op(step.op);
    if (step.expect) out += "  # expect: " + errno_name(*step.expect);
    out += "\n";
  }
  return out;
}

}  // namespace memhp
