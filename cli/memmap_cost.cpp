// memhp memmap-cost --geometry G --size S --align A [--json]: the vmemmap a
// device-dax range costs with and without compound-page dedup.
//
// Only parsing and printing here; the arithmetic is memmap_cost() in the
// model, which the unit tests call directly.
#include <iostream>
#include <string>

#include "commands.h"
#include "memhp/memmap_cost.h"
#include "memhp/trace.h"
#include "report.h"

namespace memhp::cli {
namespace {

constexpr std::string_view kName = "memmap-cost";

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
     << (c.compound_path ? "applies"
                         : "not used (no compound pages, or a compound page's memmap is 2 pages or less)")
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
}

Json side(u64 per, u64 pages, u64 bytes, u64 tables, u64 tbytes, u64 total, u64 init) {
  return Json{{"vmemmap_pages_per_compound", per},
              {"vmemmap_pages", pages},
              {"vmemmap_bytes", bytes},
              {"pte_tables", tables},
              {"pte_table_bytes", tbytes},
              {"total_bytes", total},
              {"struct_pages_initialised", init}};
}

void print_json(const Geometry& g, const MemmapCost& c, std::ostream& os) {
  const Json j{{"geometry", g.name},
               {"size_bytes", c.size_bytes},
               {"align_bytes", c.align_bytes},
               {"page_size", c.page_size},
               {"struct_page_size", g.struct_page_size},
               {"nr_pages", c.nr_pages},
               {"vmemmap_shift", c.vmemmap_shift},
               {"pfns_per_compound", c.pfns_per_compound},
               {"nr_compound", c.nr_compound},
               {"compound_path", c.compound_path},
               {"vmemmap_span_bytes", c.vmemmap_span_bytes},
               {"pte_table_bytes", c.pte_table_bytes},
               {"without_dedup", side(c.compound_plain_pages, c.plain_pages, c.plain_bytes(), c.plain_pte_tables,
                                      c.plain_table_bytes(), c.plain_total_bytes(), c.init_plain)},
               {"with_dedup", side(c.compound_dedup_pages, c.dedup_pages, c.dedup_bytes(), c.dedup_pte_tables,
                                   c.dedup_table_bytes(), c.dedup_total_bytes(), c.init_dedup)}};
  os << json_line(j) << '\n';
}

struct CostArgs {
  std::string geometry, size, align;
  bool json = false;
};

// Only the combination is checked here: each value was checked on its own.
int cost(const CostArgs& a) {
  const Geometry g = *geometry_preset(a.geometry);
  const u64 size = *parse_byte_size(a.size);
  const u64 align = *parse_byte_size(a.align);
  if (auto e = memmap_cost_error(g, size, align); !e.empty()) return usage_error(kName, e);
  const MemmapCost c = memmap_cost(g, size, align);
  if (a.json) print_json(g, c, std::cout);
  else print_text(g, c, std::cout);
  return kExitOk;
}

CLI::Validator byte_size() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        return parse_byte_size(s) ? "" : "bad size '" + s + "' (a byte count, or N with K, M, G or T)";
      },
      "SIZE");
}

}  // namespace

Run setup_memmap_cost(CLI::App& app) {
  auto a = std::make_shared<CostArgs>();
  app.add_option("--geometry", a->geometry, "the kernel build: " + presets_list())
      ->required()
      ->check(CLI::IsMember(geometry_preset_names()));
  app.add_option("--size", a->size, "the device-dax range (e.g. 1T, 16G, 2M or bytes)")->required()->check(byte_size());
  app.add_option("--align", a->align, "the compound page size (e.g. 2M, 1G, or the page size)")
      ->required()
      ->check(byte_size());
  app.add_flag("--json", a->json, "one JSON object");
  return [a](const Chatter&) { return cost(*a); };
}

}  // namespace memhp::cli
