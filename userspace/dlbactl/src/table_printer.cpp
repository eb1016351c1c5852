#include "dlba/ctl/table_printer.h"

#include <algorithm>

namespace dlba::ctl {

TablePrinter::TablePrinter(std::vector<std::string> headers)
{
    rows_.push_back(std::move(headers));
}

void TablePrinter::add_row(std::vector<std::string> cells)
{
    rows_.push_back(std::move(cells));
}

void TablePrinter::print(std::ostream& out) const
{
    std::vector<size_t> width;
    for (const auto& row : rows_) {
        if (width.size() < row.size())
            width.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); i++)
            width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows_) {
        std::string line;
        for (size_t i = 0; i < row.size(); i++) {
            line += row[i];
            if (i + 1 < row.size())
                line.append(width[i] - row[i].size() + 2, ' ');
        }
        out << line << '\n';
    }
}

} // namespace dlba::ctl
