#include <dlbad/chunked_decoder.h>
#include <dlbad/header_util.h>

#include "http_internal.h"

#include <algorithm>

namespace dlba::dlbad {

namespace {

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// 15 significant hex digits: sizes stay below 2^60 and their sum over any
// realistic body cannot overflow 64 bits before the body limit trips.
constexpr std::size_t kMaxSizeDigits = 15;

} // namespace

void ChunkedDecoder::reset() noexcept
{
    const auto mode = output_;
    *this = ChunkedDecoder(limits_, is_request_);
    output_ = mode;
}

void ChunkedDecoder::emit_size_line(ByteSink& out, std::uint64_t size)
{
    char line[20];
    char* p = line + sizeof(line);
    *--p = '\n';
    *--p = '\r';
    do {
        *--p = "0123456789abcdef"[size & 0xf];
        size >>= 4;
    } while (size != 0);
    out.put(std::string_view(p, static_cast<std::size_t>(line + sizeof(line) - p)));
}

ChunkedDecoder::Result ChunkedDecoder::fail(std::size_t consumed, int status,
                                            std::string_view reason) noexcept
{
    state_ = State::kError;
    err_status_ = is_request_ || status == 413 ? status : 502;
    err_reason_ = reason;
    return Result{consumed, false, err_status_, err_reason_};
}

ChunkedDecoder::Result ChunkedDecoder::feed(std::string_view data, ByteSink* out)
{
    ByteSink* const canon = output_ == ChunkedOutput::kCanonical ? out : nullptr;
    ByteSink* const payload = output_ != ChunkedOutput::kNone ? out : nullptr;
    if (state_ == State::kDone)
        return Result{0, true, 0, {}};
    if (state_ == State::kError)
        return Result{0, false, err_status_, err_reason_};

    const std::size_t n = data.size();
    std::size_t i = 0;
    while (i < n) {
        const char c = data[i];
        const auto uc = static_cast<unsigned char>(c);
        switch (state_) {
        case State::kSize: {
            const int v = hex_value(c);
            if (v >= 0) {
                if (chunk_size_ != 0 || v != 0) { // leading zeros are not significant
                    if (++size_digits_ > kMaxSizeDigits)
                        return fail(i, 400, "chunk size too large");
                    chunk_size_ = (chunk_size_ << 4) | static_cast<std::uint64_t>(v);
                }
                saw_digit_ = true;
            } else if (!saw_digit_) {
                return fail(i, 400, "invalid chunk size");
            } else if (c == ';') {
                state_ = State::kExt;
            } else if (c == ' ' || c == '\t') {
                state_ = State::kSizeBws;
            } else if (c == '\r') {
                state_ = State::kSizeLf;
            } else {
                return fail(i, 400, "invalid chunk size");
            }
            if (++line_len_ > limits_.max_chunk_line)
                return fail(i, 400, "chunk line too long");
            ++i;
            break;
        }
        case State::kSizeBws:
            if (c == ';')
                state_ = State::kExt;
            else if (c != ' ' && c != '\t')
                return fail(i, 400, "invalid chunk size");
            if (++line_len_ > limits_.max_chunk_line)
                return fail(i, 400, "chunk line too long");
            ++i;
            break;
        case State::kExt:
            if (c == '\r')
                state_ = State::kSizeLf;
            else if (c == '"')
                state_ = State::kExtQuoted;
            else if (!(is_tchar(uc) || c == ' ' || c == '\t' || c == ';' || c == '='))
                return fail(i, 400, "invalid chunk extension");
            if (++line_len_ > limits_.max_chunk_line)
                return fail(i, 400, "chunk line too long");
            ++i;
            break;
        case State::kExtQuoted:
            if (c == '"')
                state_ = State::kExt;
            else if (c == '\\')
                state_ = State::kExtQuotedEscape;
            else if (!detail::kFieldValueChar[uc])
                return fail(i, 400, "invalid chunk extension");
            if (++line_len_ > limits_.max_chunk_line)
                return fail(i, 400, "chunk line too long");
            ++i;
            break;
        case State::kExtQuotedEscape:
            if (!detail::kFieldValueChar[uc])
                return fail(i, 400, "invalid chunk extension");
            state_ = State::kExtQuoted;
            if (++line_len_ > limits_.max_chunk_line)
                return fail(i, 400, "chunk line too long");
            ++i;
            break;
        case State::kSizeLf:
            if (c != '\n')
                return fail(i, 400, "bare CR in chunk line");
            ++i;
            line_len_ = 0;
            size_digits_ = 0;
            saw_digit_ = false;
            if (chunk_size_ == 0) {
                state_ = State::kTrailerStart;
                if (canon)
                    canon->put("0\r\n");
            } else {
                payload_ += chunk_size_;
                if (is_request_ && limits_.max_body_bytes != 0 && payload_ > limits_.max_body_bytes)
                    return fail(i, 413, "request body too large");
                if (canon)
                    emit_size_line(*canon, chunk_size_);
                remaining_ = chunk_size_;
                chunk_size_ = 0;
                state_ = State::kData;
            }
            break;
        case State::kData: {
            const std::uint64_t take = std::min<std::uint64_t>(remaining_, n - i);
            if (payload && take)
                payload->put(data.substr(i, static_cast<std::size_t>(take)));
            i += static_cast<std::size_t>(take);
            remaining_ -= take;
            if (remaining_ == 0)
                state_ = State::kDataCr;
            break;
        }
        case State::kDataCr:
            if (c != '\r')
                return fail(i, 400, "chunk data not followed by CRLF");
            state_ = State::kDataLf;
            ++i;
            break;
        case State::kDataLf:
            if (c != '\n')
                return fail(i, 400, "chunk data not followed by CRLF");
            state_ = State::kSize;
            if (canon)
                canon->put("\r\n");
            ++i;
            break;
        case State::kTrailerStart:
            if (++trailer_bytes_ > limits_.max_trailer_bytes)
                return fail(i, 431, "trailer section too large");
            if (c == '\r') {
                state_ = State::kFinalLf;
            } else if (is_tchar(uc)) {
                trailer_phase_ = 0;
                state_ = State::kTrailerLine;
            } else {
                // SP/HTAB here would be obs-fold; anything else is garbage.
                return fail(i, 400, "invalid trailer field");
            }
            ++i;
            break;
        case State::kTrailerLine:
            if (++trailer_bytes_ > limits_.max_trailer_bytes)
                return fail(i, 431, "trailer section too large");
            if (trailer_phase_ == 0) {
                if (c == ':')
                    trailer_phase_ = 1;
                else if (!is_tchar(uc))
                    return fail(i, 400, "invalid trailer field name");
            } else if (c == '\r') {
                state_ = State::kTrailerLf;
            } else if (!detail::kFieldValueChar[uc]) {
                return fail(i, 400, "invalid character in trailer field");
            }
            ++i;
            break;
        case State::kTrailerLf:
            if (c != '\n')
                return fail(i, 400, "bare CR in trailer section");
            state_ = State::kTrailerStart;
            ++i;
            break;
        case State::kFinalLf:
            if (c != '\n')
                return fail(i, 400, "bare CR at end of chunked body");
            state_ = State::kDone;
            if (canon)
                canon->put("\r\n");
            return Result{i + 1, true, 0, {}};
        case State::kDone:
        case State::kError:
            return Result{i, state_ == State::kDone, err_status_, err_reason_};
        }
    }
    return Result{n, false, 0, {}};
}

} // namespace dlba::dlbad
