// Z3 encoding of a memory block's transitions; see enc_block.h for the
// abstraction. Each case of page_step()/counter_step() cites the model (and
// kernel) function whose effect it states.
#include "enc_block.h"

#include <array>
#include <sstream>

#include "domain_z3.h"
#include "memhp/proven/block_layout.h"

namespace memhp::smt {

namespace {

z3::expr cls(z3::context& c, PageClass k) { return c.int_val(static_cast<int>(k)); }
z3::expr phase(z3::context& c, Phase ph) { return c.int_val(static_cast<int>(ph)); }

struct OpName {
  BlockOp op;
  std::string_view name;
};
constexpr std::array<OpName, static_cast<std::size_t>(BlockOp::kCount)> kOpNames = {{
    {BlockOp::AddMemmapOnMemory, "add_memmap_on_memory"},
    {BlockOp::Add, "add"},
    {BlockOp::AddFailed, "add_failed"},
    {BlockOp::Online, "online"},
    {BlockOp::OnlineRefused, "online_refused"},
    {BlockOp::Offline, "offline"},
    {BlockOp::OfflineBusy, "offline_busy"},
    {BlockOp::Remove, "remove"},
    {BlockOp::RemoveBusy, "remove_busy"},
    {BlockOp::Rejected, "rejected"},
    {BlockOp::Alloc, "alloc"},
    {BlockOp::Free, "free"},
}};

std::string hex(u64 v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

// As the trace printer writes sizes: the largest binary suffix that divides.
std::string size_text(u64 v) {
  for (auto [ch, shift] : {std::pair{'G', 30u}, {'M', 20u}, {'K', 10u}})
    if (v && (v & ((u64{1} << shift) - 1)) == 0) return std::to_string(v >> shift) + ch;
  return hex(v);
}

}  // namespace

// ------------------------------------------------------------ vocabulary --

PageClass page_class(PageKind k) {
  switch (k) {
    case PageKind::Absent: return PageClass::Absent;
    case PageKind::Poisoned: return PageClass::Poisoned;
    case PageKind::Vmemmap: return PageClass::Vmemmap;
    case PageKind::Free: return PageClass::Free;
    // A hot-added section's memmap from the page allocator is an allocation.
    case PageKind::Movable:
    case PageKind::Unmovable:
    case PageKind::Memmap: return PageClass::Allocated;
    case PageKind::Hole:
    case PageKind::Reserved:
    case PageKind::Device: return PageClass::Other;
  }
  return PageClass::Other;
}

std::string_view page_class_name(int c) {
  static constexpr std::array<std::string_view, 6> names = {"absent", "poisoned", "vmemmap",
                                                            "free",   "allocated", "other"};
  return c >= 0 && c < 6 ? names[static_cast<std::size_t>(c)] : "?";
}

Phase block_phase(const MemoryBlock& m) {
  if (!m.present) return Phase::Absent;
  return m.state == BlockState::Offline ? Phase::Offline : Phase::Online;
}

std::string_view phase_name(int ph) {
  static constexpr std::array<std::string_view, 3> names = {"absent", "offline", "online"};
  return ph >= 0 && ph < 3 ? names[static_cast<std::size_t>(ph)] : "?";
}

std::string_view block_op_name(BlockOp op) {
  for (const OpName& o : kOpNames)
    if (o.op == op) return o.name;
  return "?";
}

const std::vector<BlockOp>& all_block_ops() {
  static const std::vector<BlockOp> all = [] {
    std::vector<BlockOp> v;
    for (const OpName& o : kOpNames) v.push_back(o.op);
    return v;
  }();
  return all;
}

// -------------------------------------------------------- pure functions --

// The model's own arithmetic (memhp/proven/block_layout.h), over integers.
IntRange enc_vmemmap_range(const z3::expr& start, const z3::expr& nr_vmemmap_pages) {
  const auto r = proven::memory_block_vmemmap_range(Int{start.ctx()}, start, nr_vmemmap_pages);
  return {r.lo, r.hi};
}

IntRange enc_online_range(const z3::expr& start, const z3::expr& nr_pages,
                          const z3::expr& nr_vmemmap_pages) {
  const auto r = proven::memory_block_online_range(Int{start.ctx()}, start, nr_pages, nr_vmemmap_pages);
  return {r.lo, r.hi};
}

// ------------------------------------------------------------ transitions --

MutantSet encoded_mutants() {
  MutantSet m;
  for (Mutant x : {Mutant("vmemmap_freed_to_buddy"), Mutant("offline_keeps_managed"),
                   Mutant("vmemmap_not_present"), Mutant("offline_skips_present"),
                   Mutant("online_failure_skips_deinit")})
    m.set(x);
  return m;
}

PageStep page_step(BlockOp op, const BlockConst& k, const BlockVar& b, const z3::expr& x,
                   const z3::expr& kx, const z3::expr& choice, MutantSet m) {
  z3::context& c = x.ctx();
  const z3::expr in_block = IntRange{k.start, k.start + k.n}.contains(x);
  const IntRange vmemmap = enc_vmemmap_range(k.start, b.p);
  const IntRange online = enc_online_range(k.start, k.n, b.p);
  const z3::expr poisoned = cls(c, PageClass::Poisoned);
  // Elsewhere, a free page may be taken (a memmap or a migration target from
  // the page allocator) or an allocated one given back.
  const z3::expr taken =
      z3::ite(kx == cls(c, PageClass::Free) && choice, cls(c, PageClass::Allocated), kx);
  const z3::expr given =
      z3::ite(kx == cls(c, PageClass::Allocated) && choice, cls(c, PageClass::Free), kx);
  // What mhp_init_memmap_on_memory() makes of the vmemmap pages.
  const z3::expr vmemmap_class = m.has(Mutant("vmemmap_freed_to_buddy")) ? cls(c, PageClass::Free)
                                                                    : cls(c, PageClass::Vmemmap);
  const z3::expr absent = is_phase(b.ph, Phase::Absent);
  const z3::expr offline = is_phase(b.ph, Phase::Offline);
  const z3::expr online_ph = is_phase(b.ph, Phase::Online);
  const z3::expr yes = c.bool_val(true);
  switch (op) {
    /* add_memory_resource() -> sparse_add_section(): the block's memmap is
       poisoned; its vmemmap comes from the altmap, i.e. the block itself */
    case BlockOp::AddMemmapOnMemory:
      return {absent && k.mom, {phase(c, Phase::Offline), k.pv}, z3::ite(in_block, poisoned, kx)};
    /* add_memory_resource() without MHP_MEMMAP_ON_MEMORY: the memmap comes
       from the page allocator, on the node */
    case BlockOp::Add:
      return {absent, {phase(c, Phase::Offline), c.int_val(0)}, z3::ite(in_block, poisoned, taken)};
    /* __add_pages() stops at the first failing section and keeps the ones it
       added (poisoned memmap, allocated from the buddy allocator) */
    case BlockOp::AddFailed:
      return {yes, b, z3::ite(in_block, z3::ite(absent && choice, poisoned, kx), taken)};
    /* memory_block_online(): mhp_init_memmap_on_memory() on the vmemmap
       range, online_pages() frees the rest to the buddy allocator */
    case BlockOp::Online:
      return {offline, {phase(c, Phase::Online), b.p},
              z3::ite(vmemmap.contains(x), vmemmap_class,
                      z3::ite(online.contains(x), cls(c, PageClass::Free), kx))};
    /* online_pages() failed_addition poisons the online range;
       mhp_deinit_memmap_on_memory() the vmemmap range */
    case BlockOp::OnlineRefused: {
      const z3::expr left = m.has(Mutant("online_failure_skips_deinit"))
                                ? z3::ite(vmemmap.contains(x), vmemmap_class, poisoned)
                                : poisoned;
      return {offline, b, z3::ite(in_block, left, kx)};
    }
    /* memory_block_offline(): offline_pages() migrates the movable pages
       away and poisons the range, mhp_deinit_memmap_on_memory() the vmemmap */
    case BlockOp::Offline:
      return {online_ph, {phase(c, Phase::Offline), b.p}, z3::ite(in_block, poisoned, taken)};
    /* offline_pages() failed_removal_isolated: isolation undone, nothing moved */
    case BlockOp::OfflineBusy: return {online_ph, b, kx};
    /* try_remove_memory() -> arch_remove_memory(): the memmap goes (a buddy
       memmap back to the page allocator), the pfns are absent again */
    case BlockOp::Remove:
      return {offline, {phase(c, Phase::Absent), c.int_val(0)}, z3::ite(in_block, cls(c, PageClass::Absent), given)};
    /* try_remove_memory(): "removing memory fails, because memory is onlined" */
    case BlockOp::RemoveBusy: return {online_ph, b, kx};
    case BlockOp::Rejected: return {yes, b, kx};
    case BlockOp::Alloc: return {yes, b, taken};
    case BlockOp::Free: return {yes, b, given};
    case BlockOp::kCount: break;
  }
  return {c.bool_val(false), b, kx};
}

Counters counter_step(BlockOp op, const BlockConst& k, const BlockVar& b, const Counters& c,
                      MutantSet m) {
  const z3::expr rest = k.n - b.p;  // the pages online_pages()/offline_pages() get
  z3::context& ctx = k.n.ctx();
  const z3::expr zero = ctx.int_val(0);
  Counters out = c;
  if (op == BlockOp::Online) {
    /* online_pages(): adjust_present_page_count(nr_pages), and
       online_pages_range() hands the pages to the buddy allocator;
       memory_block_online(): adjust_present_page_count(nr_vmemmap_pages) */
    const z3::expr present = rest + (m.has(Mutant("vmemmap_not_present")) ? zero : b.p);
    const z3::expr managed = rest + (m.has(Mutant("vmemmap_freed_to_buddy")) ? b.p : zero);
    out.zp = c.zp + present;
    out.np = c.np + present;
    out.zm = c.zm + managed;
  } else if (op == BlockOp::OnlineRefused && m.has(Mutant("vmemmap_freed_to_buddy"))) {
    // The vmemmap pages were handed to the buddy allocator before
    // online_pages() failed; mhp_deinit_memmap_on_memory() does not take
    // them back out of managed_pages.
    out.zm = c.zm + b.p;
  } else if (op == BlockOp::Offline) {
    /* memory_block_offline(): -nr_vmemmap_pages first; offline_pages():
       adjust_managed_page_count(-nr_pages), adjust_present_page_count(-nr_pages) */
    const z3::expr present = b.p + (m.has(Mutant("offline_skips_present")) ? zero : rest);
    const z3::expr managed = m.has(Mutant("offline_keeps_managed")) ? zero : rest;
    out.zp = c.zp - present;
    out.np = c.np - present;
    out.zm = c.zm - managed;
  }
  // offline_pages()' failure path and memory_block_offline() give back the
  // -nr_vmemmap_pages they took: no net change. Nothing else counts pages.
  return out;
}

// ------------------------------------------------- predicates for proofs --

z3::expr is_phase(const z3::expr& ph, Phase want) { return ph == phase(ph.ctx(), want); }

z3::expr in_buddy(const z3::expr& kx) {
  z3::context& c = kx.ctx();
  return kx == cls(c, PageClass::Free) || kx == cls(c, PageClass::Allocated);
}

z3::expr block_wf(const BlockConst& k, const BlockVar& b) {
  z3::context& c = k.n.ctx();
  return c.int_val(0) <= b.ph && b.ph <= c.int_val(2) && c.int_val(0) <= b.p && b.p < k.n &&
         z3::implies(is_phase(b.ph, Phase::Absent), b.p == 0);
}

z3::expr vmemmap_not_in_buddy(const BlockConst& k, const BlockVar& b, const z3::expr& x,
                              const z3::expr& kx) {
  return !(enc_vmemmap_range(k.start, b.p).contains(x) && in_buddy(kx));
}

z3::expr vmemmap_recorded(const BlockConst& k, const BlockVar& b) {
  return b.p == 0 || (b.p == k.pv && k.mom);
}

z3::expr class_ok(const z3::expr& kx) {
  z3::context& c = kx.ctx();
  return cls(c, PageClass::Absent) <= kx && kx <= cls(c, PageClass::Other);
}

z3::expr block_present(const BlockConst& k, const BlockVar& b) {
  return z3::ite(is_phase(b.ph, Phase::Online), k.n, k.n.ctx().int_val(0));
}

z3::expr block_managed(const BlockConst& k, const BlockVar& b) {
  return z3::ite(is_phase(b.ph, Phase::Online), k.n - b.p, k.n.ctx().int_val(0));
}

z3::expr counters_consistent(const BlockConst& k, const BlockVar& b, const Counters& c) {
  return c.zp == c.rp + block_present(k, b) && c.zm == c.rm + block_managed(k, b) &&
         c.np == c.zp + c.op && 0 <= c.rm && c.rm <= c.rp && 0 <= c.op && c.zm <= c.zp;
}

// ---------------------------------------------------- concrete geometries --

std::string GeometryCase::label() const {
  std::string s = geo.name;
  auto preset = geometry_preset(geo.name);
  if (!preset || preset->block_bytes != geo.block_bytes) s += " block=" + size_text(geo.block_bytes);
  return s;
}

const std::vector<GeometryCase>& geometry_cases() {
  static const std::vector<GeometryCase> all = [] {
    std::vector<GeometryCase> v;
    Profile prof;
    prof.memmap_on_memory = true;
    for (const std::string& name : geometry_preset_names()) {
      const Geometry base = *geometry_preset(name);
      for (u64 bytes = u64{1} << base.section_size_bits; bytes <= (u64{2} << 30); bytes <<= 1) {
        GeometryCase gc;
        gc.geo = base;
        gc.geo.block_bytes = bytes;
        if (!geometry_error(gc.geo).empty()) continue;
        gc.block_pages = gc.geo.block_pages();
        const MemmapOnMemorySupport sup = mhp_supports_memmap_on_memory(gc.geo, prof, bytes);
        gc.supported = sup.supported;
        gc.vmemmap_pages = sup.supported ? sup.vmemmap_pages : 0;
        v.push_back(gc);
      }
    }
    return v;
  }();
  return all;
}

z3::expr geometry_case_premise(const z3::expr& g, const z3::expr& id, const BlockConst& k) {
  z3::context& c = g.ctx();
  z3::expr_vector alts(c);
  const auto& cases = geometry_cases();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const GeometryCase& gc = cases[i];
    const z3::expr n = c.int_val(static_cast<std::uint64_t>(gc.block_pages));
    const z3::expr limit = c.int_val(static_cast<std::uint64_t>(gc.geo.max_pfn_limit()));
    alts.push_back(g == c.int_val(static_cast<int>(i)) && k.n == n &&
                   k.pv == c.int_val(static_cast<std::uint64_t>(gc.vmemmap_pages)) &&
                   k.mom == c.bool_val(gc.supported) && k.start == id * n && k.start + n <= limit);
  }
  return id >= 0 && z3::mk_or(alts);
}

z3::expr any_geometry_premise(const BlockConst& k) {
  return k.n >= 1 && k.start >= 0 && z3::ite(k.mom, 0 < k.pv && k.pv < k.n, k.pv == 0);
}

z3::expr hot_add_window(const z3::expr& g, const z3::expr& start) {
  z3::context& c = g.ctx();
  z3::expr_vector alts(c);
  const auto& cases = geometry_cases();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const u64 lo = cases[i].geo.pfn_of(kBootBytes).v, hi = lo + 16 * cases[i].block_pages;
    alts.push_back(g == c.int_val(static_cast<int>(i)) &&
                   start >= c.int_val(static_cast<std::uint64_t>(lo)) &&
                   start < c.int_val(static_cast<std::uint64_t>(hi)));
  }
  return z3::mk_or(alts);
}

std::string trace_preamble(const GeometryCase& g, const std::vector<std::string>& mutants) {
  std::string s = "# memhp trace v1\n";
  s += "geometry " + g.label() + "\n";
  s += "profile v6.1 memmap_on_memory=1 memhp_default_state=offline movable_node=0 "
       "online_policy=contig-zones\n";
  for (const std::string& m : mutants) s += "mutant " + m + "\n";
  s += "boot node=0 start=0x0 size=" + size_text(kBootBytes) + "\n";
  return s;
}

std::string trace_lines(BlockOp op, const GeometryCase& g, u64 start_pfn) {
  const std::string range =
      "start=" + hex(g.geo.phys_of(Pfn{start_pfn})) + " size=" + size_text(g.geo.block_bytes);
  const std::string block = "block=" + std::to_string(start_pfn / g.block_pages);
  const std::string online = "online_block " + block + " type=online_movable";
  switch (op) {
    case BlockOp::AddMemmapOnMemory:
      return "add_memory node=0 " + range + " flags=memmap_on_memory   # expect: ok\n";
    case BlockOp::Add: return "add_memory node=0 " + range + "   # expect: ok\n";
    case BlockOp::AddFailed: return "add_memory node=0 " + range + " flags=memmap_on_memory\n";
    case BlockOp::Online: return online + "   # expect: ok\n";
    case BlockOp::OnlineRefused:
      return "memory_notifier going_online=-EBUSY\n" + online +
             "   # expect: -EBUSY\nmemory_notifier\n";
    case BlockOp::Offline: return "offline_block " + block + "   # expect: ok\n";
    case BlockOp::OfflineBusy:
      return "memory_notifier going_offline=-EBUSY\noffline_block " + block +
             "   # expect: -EBUSY\nmemory_notifier\n";
    case BlockOp::Remove: return "remove_memory " + range + "   # expect: ok\n";
    case BlockOp::RemoveBusy: return "remove_memory " + range + "   # expect: -EBUSY\n";
    case BlockOp::Alloc: return "alloc node=0 zone=Movable count=1 kind=movable\n";
    case BlockOp::Free: return "free node=0 zone=Movable count=1 kind=movable\n";
    case BlockOp::Rejected:
    case BlockOp::kCount: break;
  }
  return "";
}

}  // namespace memhp::smt
