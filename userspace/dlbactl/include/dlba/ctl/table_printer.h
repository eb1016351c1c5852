#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace dlba::ctl {

// Left-aligned text columns, each as wide as its widest cell, two spaces
// apart (ipvsadm / ss style).  Trailing blanks are not printed.
class TablePrinter {
public:
    explicit TablePrinter(std::vector<std::string> headers);

    void add_row(std::vector<std::string> cells);
    void print(std::ostream& out) const;

private:
    std::vector<std::vector<std::string>> rows_;
};

} // namespace dlba::ctl
