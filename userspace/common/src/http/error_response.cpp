#include <dlba/http/error_response.h>

namespace dlba {

std::string_view ErrorResponse::reason(int status) noexcept
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

std::string ErrorResponse::build(int status, bool close)
{
    std::string body = std::to_string(status) + " " + std::string(reason(status)) + "\n";
    std::string out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reason(status);
    out += "\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\nContent-Length: ";
    out += std::to_string(body.size());
    out += close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n";
    out += body;
    return out;
}

} // namespace dlba
