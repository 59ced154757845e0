// memhp(1) and the bash completion, both generated from the CLI::App tree
// that `memhp COMMAND --help` prints (`memhp help --man`, `memhp help
// --completion bash`). Nothing here names a command or an option: a new
// option shows up in --help, the man page and the completion at once, and
// tests/cli_docs/check_docs.sh holds the three together.
#include <algorithm>
#include <cctype>
#include <iterator>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"

namespace memhp::cli {
namespace {

using Options = std::vector<const CLI::Option*>;

// The subcommands in declaration order (`help` last, as main.cpp adds it).
std::vector<const CLI::App*> commands(const CLI::App& root) {
  return root.get_subcommands([](const CLI::App* a) { return !a->get_name().empty() && !a->get_disabled(); });
}

// Options and positionals as --help lists them; an empty group is CLI11's
// way of hiding one.
Options visible(const CLI::App& app, bool positional) {
  return app.get_options([positional](const CLI::Option* o) {
    return !o->get_group().empty() && o->nonpositional() != positional;
  });
}

// A flag expects no value (CLI11 still gives it a type size of 1).
bool takes_value(const CLI::Option& o) { return o.get_expected_max() > 0; }

// ---------------------------------------------------------------- roff

// Text for a roff text line. Backslashes print as themselves (\e), every
// hyphen is \- so that options and names copy and paste as ASCII (Debian's
// man.local maps \- to '-'; a bare '-' may come out as U+2010), and a line
// starting with '.' or '\'' would be a request, so \& goes in front. Outer
// blanks go: a leading one would break the line and indent it.
std::string roff(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else if (c == '\n') out += ' ';  // help texts are one line; a newline would start a roff line
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string bold(std::string_view s) { return "\\fB" + roff(s) + "\\fR"; }
std::string italic(std::string_view s) { return "\\fI" + roff(s) + "\\fR"; }

// CLI11's own usage line ("Usage: memhp run [OPTIONS] TRACE"), so that the
// page and --help cannot disagree; the label goes, the rest is marked up:
// the command in bold, each placeholder in italics, brackets and "..." plain.
std::string usage(const CLI::App& sub, const std::string& root) {
  const auto* f = dynamic_cast<const CLI::Formatter*>(sub.get_formatter().get());
  std::string line = f ? f->make_usage(&sub, root + " " + sub.get_name()) : root + " " + sub.get_name();
  if (auto colon = line.find(": "); f && colon != std::string::npos) line.erase(0, colon + 2);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  std::istringstream words(line.substr(std::min(line.size(), root.size() + 1 + sub.get_name().size())));
  std::string out = bold(root + " " + sub.get_name());
  for (std::string w; words >> w;) {
    const bool open = w.front() == '[', close = w.back() == ']';
    std::string core = w.substr(open, w.size() - open - close);
    const bool more = core.ends_with("...");
    if (more) core.resize(core.size() - 3);
    out += std::string(" ") + (open ? "[" : "") + italic(core) + (more ? "..." : "") + (close ? "]" : "");
  }
  return out;
}

// ".TP" tag: "-h, --help" in bold, then the value's type as --help shows it.
std::string option_tag(const CLI::Option& o) {
  std::string tag;
  for (const auto& s : o.get_snames()) tag += (tag.empty() ? "" : ", ") + bold("-" + s);
  for (const auto& l : o.get_lnames()) tag += (tag.empty() ? "" : ", ") + bold("--" + l);
  if (!o.nonpositional()) tag = italic(o.get_name(true));
  else if (takes_value(o)) tag += " " + italic(o.get_type_name());
  if (o.get_expected_max() > 1) tag += " ...";
  return tag;
}

std::string names(const std::set<CLI::Option*>& opts) {
  std::string out;
  for (const CLI::Option* o : opts) out += (out.empty() ? "" : ", ") + o->get_name();
  return out;
}

// The description, then what --help shows after the type: the default,
// REQUIRED, Needs and Excludes, as "(default: 1; not with --jobs)".
std::string option_body(const CLI::Option& o) {
  std::vector<std::string> notes;
  if (!o.get_default_str().empty()) notes.push_back("default: " + o.get_default_str());
  if (o.get_required()) notes.push_back("required");
  if (!o.get_needs().empty()) notes.push_back("needs " + names(o.get_needs()));
  if (!o.get_excludes().empty()) notes.push_back("not with " + names(o.get_excludes()));
  std::string body = o.get_description();
  for (std::size_t i = 0; i < notes.size(); ++i) body += (i ? "; " : " (") + notes[i];
  return roff(notes.empty() ? body : body + ")");
}

void write_command(std::ostream& out, const CLI::App& sub, const std::string& root) {
  out << ".SS " << roff(root + " " + sub.get_name()) << '\n'
      << roff(sub.get_description()) << '\n'
      << ".PP\n"
      << usage(sub, root) << '\n';
  for (bool positional : {true, false})
    for (const CLI::Option* o : visible(sub, positional))
      out << ".TP\n" << option_tag(*o) << '\n' << option_body(*o) << '\n';
}

// The footer in one line: "TRACE may be '-' ... Exit status: 0 if ..., 1 if
// ..., 2 for bad input."
std::string footer_line(const CLI::App& root) {
  std::string f = root.get_footer();
  std::replace(f.begin(), f.end(), '\n', ' ');
  return f;
}

constexpr std::string_view kExitLabel = "Exit status:";

// What the footer says status `n` means: the clause "N ..." of its exit
// status sentence, up to the next ", M " or the end; empty when it says
// nothing about `n`.
std::string exit_meaning(std::string_view statuses, int n) {
  const std::string key = std::to_string(n) + " ";
  for (std::size_t at = statuses.find(key); at != std::string_view::npos; at = statuses.find(key, at + 1)) {
    if (at > 0 && statuses.substr(at - 1, 1) != " ") continue;
    std::size_t end = at + key.size();
    while (end < statuses.size() &&
           !(statuses.substr(end, 2) == ", " && end + 2 < statuses.size() && std::isdigit(statuses[end + 2])))
      ++end;
    std::string clause(statuses.substr(at + key.size(), end - at - key.size()));
    while (!clause.empty() && (clause.back() == '.' || clause.back() == ' ')) clause.pop_back();
    return clause;
  }
  return {};
}

void write_exit_status(std::ostream& out, std::string_view statuses) {
  out << ".SH EXIT STATUS\n";
  for (int n : {kExitOk, kExitFailed, kExitUsage}) {
    const std::string meaning = exit_meaning(statuses, n);
    out << ".TP\n.B " << n << '\n' << roff(meaning.empty() ? std::string(statuses) : meaning) << '\n';
  }
}

// Paths the options default to (the failure store, ...): they are the files
// memhp reads and writes without being told.
void write_files(std::ostream& out, const CLI::App& root) {
  std::string section;
  for (const CLI::App* sub : commands(root))
    for (const CLI::Option* o : visible(*sub, false))
      if (o->get_default_str().find('/') != std::string::npos)
        section += ".TP\n" + italic(o->get_default_str()) + "\n" +
                   roff(o->get_description() + " (" + root.get_name() + " " + sub->get_name() + " " +
                        o->get_name() + ")") +
                   "\n";
  if (!section.empty()) out << ".SH FILES\n" << section;
}

// "An executable model of ...": the NAME line wants "an executable model of ...".
std::string whatis(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------- bash

// A shell word in single quotes.
std::string sh_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The fixed set an IsMember validator names in the type ("TEXT:{ram,x86}").
std::vector<std::string> value_set(const std::string& type) {
  const auto open = type.find(":{"), close = type.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  std::vector<std::string> out;
  std::istringstream items(type.substr(open + 2, close - open - 2));
  for (std::string w; std::getline(items, w, ',');) out.push_back(w);
  return out;
}

// The shell command that completes a value of `o`, from its type as --help
// shows it: a fixed set, a directory (DIR), nothing for numbers or a value a
// validator names (MUTANT, VERSION, I/N, ...), else a file.
std::string value_completion(const CLI::Option& o) {
  const std::string type = o.get_type_name();
  if (auto set = value_set(type); !set.empty()) return "_memhp_words " + sh_quote(join(set));
  if (type == "DIR") return "_memhp_files -d";
  if (type == "TEXT" || type.starts_with("FILE")) return "_memhp_files";
  return "";  // a number, or a value a validator names ("TEXT:MUTANT"): nothing to offer
}

std::vector<std::string> long_options(const CLI::App& sub) {
  std::vector<std::string> out;
  for (const CLI::Option* o : visible(sub, false))
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
  return out;
}

constexpr std::string_view kBashHelpers = R"(# Files (or, with -d, directories) for $cur: bash-completion's _filedir
# when it is loaded, plain compgen otherwise (a fresh Debian 12 may not have
# bash-completion).
_memhp_files() {
  if declare -F _filedir >/dev/null; then
    _filedir "$@"
    return
  fi
  local IFS=$'\n'
  COMPREPLY=($(compgen "${1:--f}" -- "$cur"))
  compopt -o filenames 2>/dev/null
}

_memhp_words() {
  COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

)";

// bash splits "--suite=ram" at '=' (COMP_WORDBREAKS): the word before '='
// is then the option whose value is being completed.
constexpr std::string_view kBashWords = R"(  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  local cword=$COMP_CWORD
  ((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]] && ((cword > 1)); then
    prev=${COMP_WORDS[cword - 2]}
  fi
  COMPREPLY=()
)";

// One command's arm of the case: values of its options, its long options,
// its positionals.
void write_command_completion(std::ostream& out, const CLI::App& sub, const std::vector<std::string>& commands) {
  std::vector<std::string> others;
  std::copy_if(commands.begin(), commands.end(), std::back_inserter(others),
               [&](const std::string& c) { return c != sub.get_name(); });
  out << "    " << sub.get_name() << ")\n";
  // One arm per way of completing a value: "--cases|--steps) return ;;".
  std::vector<std::pair<std::string, std::string>> arms;  // (action, pattern)
  for (const CLI::Option* o : visible(sub, false)) {
    if (!takes_value(*o) || !o->nonpositional()) continue;
    const std::string action = value_completion(*o);
    auto arm = std::find_if(arms.begin(), arms.end(), [&](const auto& a) { return a.first == action; });
    if (arm == arms.end()) arm = arms.insert(arms.end(), {action, ""});
    for (const auto& l : o->get_lnames()) arm->second += (arm->second.empty() ? "--" : "|--") + l;
    for (const auto& s : o->get_snames()) arm->second += (arm->second.empty() ? "-" : "|-") + s;
  }
  if (!arms.empty()) {
    out << "      case $prev in\n";
    for (const auto& [action, pattern] : arms)
      out << "        " << pattern << ") " << (action.empty() ? "" : action + "; ") << "return ;;\n";
    out << "      esac\n";
  }
  const Options positionals = visible(sub, true);
  out << "      if [[ $cur == -* ]]; then\n"
      << "        _memhp_words " << sh_quote(join(long_options(sub))) << "\n";
  if (positionals.empty()) {
    out << "      fi\n";
  } else {
    // `help COMMAND` names any other command; every other positional is a file.
    const bool names_command = sub.get_name() == "help";
    out << "      else\n"
        << "        " << (names_command ? "_memhp_words " + sh_quote(join(others)) : value_completion(*positionals[0]))
        << "\n      fi\n";
  }
  out << "      ;;\n";
}

}  // namespace

void write_manpage(const CLI::App& root, std::ostream& out) {
  const std::string name = root.get_name();
  const std::string footer = footer_line(root);
  const auto label = footer.find(kExitLabel);
  const std::string prose = footer.substr(0, label);
  const std::string statuses = label == std::string::npos ? "" : footer.substr(label + kExitLabel.size());

  out << ".\\\" " << name << "(1), generated by `" << name << " help --man` from the options `" << name
      << " COMMAND --help` prints. Do not edit.\n"
      << ".TH " << roff(upper(name)) << " 1 \"\" \"" << roff(name) << "\" \"User Commands\"\n";
  out << ".SH NAME\n" << roff(name) << " \\- " << roff(whatis(root.get_description())) << '\n';
  out << ".SH SYNOPSIS\n";
  for (const CLI::App* sub : commands(root)) out << usage(*sub, name) << "\n.br\n";
  out << ".SH DESCRIPTION\n" << roff(root.get_description()) << '\n';
  if (!prose.empty()) out << ".PP\n" << roff(prose) << '\n';
  out << ".SH COMMANDS\n";
  for (const CLI::App* sub : commands(root)) write_command(out, *sub, name);
  if (!statuses.empty()) write_exit_status(out, statuses);
  write_files(out, root);
}

void write_bash_completion(const CLI::App& root, std::ostream& out) {
  const std::string name = root.get_name();
  std::vector<std::string> names;
  for (const CLI::App* sub : commands(root)) names.push_back(sub->get_name());
  const std::string command_names = join(names);

  out << "# bash completion for " << name << "(1), generated by `" << name << " help --completion bash`\n"
      << "# from the options `" << name << " COMMAND --help` prints. Do not edit.\n\n"
      << kBashHelpers << "_" << name << "() {\n"
      << kBashWords << "  if ((cword == 1)); then\n"
      << "    _memhp_words " << sh_quote(command_names) << "\n    return\n  fi\n"
      << "  case ${COMP_WORDS[1]} in\n";
  for (const CLI::App* sub : commands(root)) write_command_completion(out, *sub, names);
  out << "  esac\n}\n\ncomplete -F _" << name << ' ' << name << '\n';
}

}  // namespace memhp::cli
