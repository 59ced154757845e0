// One function per theorem file; registry.cpp concatenates them in catalogue
// order. Adding a theorem file means adding a line here and one in
// registry.cpp, nothing else.
#pragma once

#include <vector>

#include "theorem.h"

namespace memhp::smt {

std::vector<Theorem> geometry_theorems();    // thm_geometry.cpp
std::vector<Theorem> dedup_theorems();       // thm_dedup.cpp
std::vector<Theorem> subsection_theorems();  // thm_subsection.cpp
std::vector<Theorem> span_theorems();        // thm_span.cpp
std::vector<Theorem> block_theorems();       // thm_block.cpp: per-transition induction, accounting
std::vector<Theorem> chc_theorems();         // thm_chc.cpp: unbounded, Spacer

}  // namespace memhp::smt
