#include "dlba/ctl/change.h"

#include "dlba/ctl/parse.h"

namespace dlba::ctl {

namespace {

const char* op_word(Change::Op op)
{
    switch (op) {
    case Change::Op::AddService:
    case Change::Op::AddServer:
        return "add";
    case Change::Op::SetService:
    case Change::Op::SetServer:
        return "set";
    case Change::Op::DelService:
    case Change::Op::DelServer:
        break;
    }
    return "del";
}

bool is_server(Change::Op op)
{
    return op == Change::Op::AddServer || op == Change::Op::SetServer ||
           op == Change::Op::DelServer;
}

} // namespace

std::string Change::describe() const
{
    std::string s = std::string(op_word(op)) + (is_server(op) ? " server " : " service ") +
                    format_service(service);
    if (is_server(op))
        s += " id " + std::to_string(id);
    if (!detail.empty())
        s += " (" + detail + ")";
    return s;
}

nlohmann::ordered_json Change::to_json() const
{
    nlohmann::ordered_json j{{"op", op_word(op)},
                             {"object", is_server(op) ? "server" : "service"},
                             {"service", format_service(service)}};
    if (is_server(op))
        j["id"] = id;
    j["detail"] = detail;
    return j;
}

} // namespace dlba::ctl
