#include "ImapResponse.h"

namespace outpost {

quint32 ImapValue::toNumber(bool *ok) const
{
    *ok = false;
    if (type != Type::Atom || bytes.isEmpty() || bytes.size() > 10)
        return 0;
    quint64 n = 0;
    for (const char c : bytes) {
        if (c < '0' || c > '9')
            return 0;
        n = n * 10 + quint64(c - '0');
    }
    if (n > 0xffffffffULL)
        return 0;
    *ok = true;
    return quint32(n);
}

QByteArray ImapValue::toWire() const
{
    switch (type) {
    case Type::Atom:
        return bytes;
    case Type::Nil:
        return "NIL";
    case Type::String: {
        QByteArray q = bytes;
        q.replace('\\', "\\\\").replace('"', "\\\"");
        return '"' + q + '"';
    }
    case Type::List: {
        QByteArray out = "(";
        for (qsizetype i = 0; i < list.size(); ++i) {
            if (i > 0)
                out += ' ';
            out += list.at(i).toWire();
        }
        return out + ')';
    }
    }
    return {};
}

QByteArray imapStatusName(ImapStatus s)
{
    switch (s) {
    case ImapStatus::None:
        return {};
    case ImapStatus::Ok:
        return "OK";
    case ImapStatus::No:
        return "NO";
    case ImapStatus::Bad:
        return "BAD";
    case ImapStatus::Bye:
        return "BYE";
    case ImapStatus::Preauth:
        return "PREAUTH";
    }
    return {};
}

QList<QByteArray> ImapResponse::codeArguments() const
{
    QList<QByteArray> out;
    for (const QByteArray &a : codeData.split(' ')) {
        if (!a.isEmpty())
            out << a;
    }
    return out;
}

QByteArray ImapResponse::toLogLine() const
{
    QByteArray out;
    switch (kind) {
    case Kind::Continuation:
        return text.isEmpty() ? QByteArray("+") : "+ " + text;
    case Kind::Tagged:
        out = tag;
        break;
    case Kind::Untagged:
        out = "*";
        break;
    }
    if (status != ImapStatus::None) {
        out += ' ' + imapStatusName(status);
        if (!code.isEmpty())
            out += " [" + code + (codeData.isEmpty() ? QByteArray() : ' ' + codeData) + ']';
        if (!text.isEmpty())
            out += ' ' + text;
        return out;
    }
    if (number >= 0)
        out += ' ' + QByteArray::number(number);
    out += ' ' + name;
    for (const ImapValue &v : values)
        out += ' ' + v.toWire();
    return out;
}

} // namespace outpost
