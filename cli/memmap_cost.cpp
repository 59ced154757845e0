// memhp memmap-cost --geometry G --size S --align A [--json]: the vmemmap a
// device-dax range costs with and without compound-page dedup.
//
// Only parsing and printing here; the arithmetic is memmap_cost() in the
// model, which the unit tests call directly.
#include <iostream>
#include <string>

#include "commands.h"
#include "memhp/memmap_cost.h"
#include "report.h"

namespace memhp::cli {
namespace {

constexpr std::string_view kName = "memmap-cost";
constexpr std::string_view kUsage =
    "memhp memmap-cost --geometry G --size S --align A [--json]";

std::string presets_list() {
  std::string out;
  for (const auto& n : geometry_preset_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.resize(w, ' ');
  return s;
}

std::string pages_and_bytes(u64 pages, u64 bytes) {
  return std::to_string(pages) + " (" + human_bytes(bytes) + ")";
}

void print_text(const Geometry& g, const MemmapCost& c, std::ostream& os) {
  os << "geometry " << g.name << ": page " << human_bytes(c.page_size) << ", struct page "
     << g.struct_page_size << " B, PTE table " << human_bytes(c.pte_table_bytes) << " per "
     << human_bytes(g.pmd_size()) << " of vmemmap\n"
     << "device-dax, no altmap: " << human_bytes(c.size_bytes) << " = " << c.nr_pages
     << " pages; compound pages of " << human_bytes(c.align_bytes) << " (vmemmap_shift "
     << c.vmemmap_shift << ", " << c.pfns_per_compound << " pfns) x " << c.nr_compound << '\n'
     << "vmemmap virtual span " << human_bytes(c.vmemmap_span_bytes) << "; dedup "
     << (c.dedup_saves     ? "applies"
         : c.compound_path ? "path taken, saves nothing (memmap of a compound page <= 2 pages)"
                           : "not used (no compound pages)")
     << "\n\n";
  constexpr std::size_t w0 = 30, w1 = 26;
  os << pad("", w0) << pad("without dedup", w1) << "with dedup\n";
  auto row = [&](const std::string& label, const std::string& a, const std::string& b) {
    os << pad(label, w0) << pad(a, w1) << b << '\n';
  };
  row("vmemmap pages per compound", std::to_string(c.compound_plain_pages),
      std::to_string(c.compound_dedup_pages));
  row("vmemmap pages (bytes)", pages_and_bytes(c.plain_pages, c.plain_bytes()),
      pages_and_bytes(c.dedup_pages, c.dedup_bytes()));
  row("PTE tables (bytes)", pages_and_bytes(c.plain_pte_tables, c.plain_table_bytes()),
      pages_and_bytes(c.dedup_pte_tables, c.dedup_table_bytes()));
  row("vmemmap + PTE tables", human_bytes(c.plain_total_bytes()),
      human_bytes(c.dedup_total_bytes()));
  row("struct pages initialised", std::to_string(c.init_plain), std::to_string(c.init_dedup));
  if (c.init_overruns)
    os << "\nnote: 6.1 compound_nr_pages() is larger than a compound page here, so\n"
          "memmap_init_zone_device() also initialises struct pages of the next ones.\n";
}

void print_json(const Geometry& g, const MemmapCost& c, std::ostream& os) {
  JsonWriter w;
  w.begin_object();
  w.key("geometry").string(g.name).key("size_bytes").number(c.size_bytes);
  w.key("align_bytes").number(c.align_bytes).key("page_size").number(c.page_size);
  w.key("struct_page_size").number(g.struct_page_size);
  w.key("nr_pages").number(c.nr_pages).key("vmemmap_shift").number(c.vmemmap_shift);
  w.key("pfns_per_compound").number(c.pfns_per_compound).key("nr_compound").number(c.nr_compound);
  w.key("compound_path").boolean(c.compound_path).key("dedup_saves").boolean(c.dedup_saves);
  w.key("vmemmap_span_bytes").number(c.vmemmap_span_bytes);
  w.key("pte_table_bytes").number(c.pte_table_bytes);
  auto side = [&](std::string_view name, u64 per, u64 pages, u64 bytes, u64 tables, u64 tbytes,
                  u64 total, u64 init) {
    w.key(name).begin_object();
    w.key("vmemmap_pages_per_compound").number(per);
    w.key("vmemmap_pages").number(pages).key("vmemmap_bytes").number(bytes);
    w.key("pte_tables").number(tables).key("pte_table_bytes").number(tbytes);
    w.key("total_bytes").number(total).key("struct_pages_initialised").number(init);
    w.end_object();
  };
  side("without_dedup", c.compound_plain_pages, c.plain_pages, c.plain_bytes(),
       c.plain_pte_tables, c.plain_table_bytes(), c.plain_total_bytes(), c.init_plain);
  side("with_dedup", c.compound_dedup_pages, c.dedup_pages, c.dedup_bytes(), c.dedup_pte_tables,
       c.dedup_table_bytes(), c.dedup_total_bytes(), c.init_dedup);
  w.key("init_overruns").boolean(c.init_overruns);
  w.end_object();
  os << w.str() << '\n';
}

}  // namespace

int cmd_memmap_cost(const Args& args) {
  std::optional<std::string> geo_name, size_arg, align_arg;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << "usage: " << kUsage << '\n';
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
      continue;
    }
    std::optional<std::string>* slot = a == "--geometry" ? &geo_name
                                       : a == "--size"   ? &size_arg
                                       : a == "--align"  ? &align_arg
                                                         : nullptr;
    if (!slot) return usage_error(kName, "unknown argument '" + a + "'");
    if (i + 1 >= args.size()) return usage_error(kName, a + " needs a value");
    if (*slot) return usage_error(kName, a + " given twice");
    *slot = args[++i];
  }
  if (!geo_name) return usage_error(kName, "--geometry is required (" + presets_list() + ")");
  if (!size_arg) return usage_error(kName, "--size is required (e.g. 1T, 16G, 2M or bytes)");
  if (!align_arg) return usage_error(kName, "--align is required (e.g. 2M, 1G, or the page size)");
  const auto g = geometry_preset(*geo_name);
  if (!g) return usage_error(kName, "unknown geometry '" + *geo_name + "' (" + presets_list() + ")");
  const auto size = parse_byte_size(*size_arg);
  if (!size) return usage_error(kName, "bad size '" + *size_arg + "' (a byte count, or N with K, M, G or T)");
  const auto align = parse_byte_size(*align_arg);
  if (!align) return usage_error(kName, "bad align '" + *align_arg + "' (a byte count, or N with K, M, G or T)");
  if (auto e = memmap_cost_error(*g, *size, *align); !e.empty()) return usage_error(kName, e);

  const MemmapCost c = memmap_cost(*g, *size, *align);
  if (json) print_json(*g, c, std::cout);
  else print_text(*g, c, std::cout);
  return kExitOk;
}

}  // namespace memhp::cli
