#include "Dsn.h"

#include <QStringList>

namespace outpost {

namespace {

bool isXchar(unsigned char c)
{
    return c >= '!' && c <= '~' && c != '+' && c != '=';
}

const char kHex[] = "0123456789ABCDEF";

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

DsnProblem parseDsnNotify(const QString &text, int *notify, QString *offending)
{
    int value = DsnRequest::NotifyDefault;
    const QStringList words = text.split(QLatin1Char(','));
    bool any = false;
    for (const QString &raw : words) {
        const QString w = raw.trimmed().toLower();
        if (w.isEmpty())
            continue;
        any = true;
        if (w == QLatin1String("never"))
            value |= DsnRequest::Never;
        else if (w == QLatin1String("success"))
            value |= DsnRequest::Success;
        else if (w == QLatin1String("failure"))
            value |= DsnRequest::Failure;
        else if (w == QLatin1String("delay"))
            value |= DsnRequest::Delay;
        else {
            if (offending)
                *offending = raw.trimmed();
            return DsnProblem::NotifyUnknown;
        }
    }
    if (!any)
        return DsnProblem::NotifyEmpty;
    if ((value & DsnRequest::Never) && value != DsnRequest::Never)
        return DsnProblem::NotifyNeverCombined;
    *notify = value;
    return DsnProblem::None;
}

DsnProblem parseDsnRet(const QString &text, DsnRequest::Ret *ret)
{
    const QString w = text.trimmed().toLower();
    if (w == QLatin1String("full"))
        *ret = DsnRequest::Ret::Full;
    else if (w == QLatin1String("hdrs"))
        *ret = DsnRequest::Ret::Hdrs;
    else
        return DsnProblem::RetUnknown;
    return DsnProblem::None;
}

DsnProblem checkDsnEnvid(const QString &envid)
{
    for (const QChar c : envid) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return DsnProblem::EnvidNotPrintable;
    }
    if (envid.size() > kDsnEnvidMax)
        return DsnProblem::EnvidTooLong;
    return DsnProblem::None;
}

DsnProblem checkDsnRequest(const DsnRequest &r)
{
    constexpr int known =
        DsnRequest::Success | DsnRequest::Failure | DsnRequest::Delay | DsnRequest::Never;
    if (r.notify & ~known)
        return DsnProblem::NotifyUnknown;
    if ((r.notify & DsnRequest::Never) && r.notify != DsnRequest::Never)
        return DsnProblem::NotifyNeverCombined;
    return checkDsnEnvid(QString::fromLatin1(r.envid));
}

QString dsnNotifyName(int notify)
{
    if (notify & DsnRequest::Never)
        return QStringLiteral("never");
    QStringList parts;
    if (notify & DsnRequest::Success)
        parts << QStringLiteral("success");
    if (notify & DsnRequest::Failure)
        parts << QStringLiteral("failure");
    if (notify & DsnRequest::Delay)
        parts << QStringLiteral("delay");
    return parts.join(QLatin1Char(','));
}

QString dsnRetName(DsnRequest::Ret ret)
{
    switch (ret) {
    case DsnRequest::Ret::Full:
        return QStringLiteral("full");
    case DsnRequest::Ret::Hdrs:
        return QStringLiteral("hdrs");
    case DsnRequest::Ret::Default:
        break;
    }
    return {};
}

QByteArray xtextEncode(QByteArrayView bytes)
{
    QByteArray out;
    out.reserve(bytes.size());
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (isXchar(c)) {
            out.append(ch);
        } else {
            out.append('+');
            out.append(kHex[c >> 4]);
            out.append(kHex[c & 0xf]);
        }
    }
    return out;
}

bool xtextDecode(QByteArrayView xtext, QByteArray *out)
{
    QByteArray r;
    r.reserve(xtext.size());
    for (qsizetype i = 0; i < xtext.size(); ++i) {
        const auto c = static_cast<unsigned char>(xtext[i]);
        if (c == '+') {
            if (i + 2 >= xtext.size())
                return false;
            const int hi = hexValue(xtext[i + 1]);
            const int lo = hexValue(xtext[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            r.append(char(hi * 16 + lo));
            i += 2;
        } else if (isXchar(c)) {
            r.append(char(c));
        } else {
            return false;
        }
    }
    *out = r;
    return true;
}

QByteArray utf8AddrXtextEncode(QByteArrayView utf8)
{
    QByteArray out;
    const QString s = QString::fromUtf8(utf8);
    for (const char32_t cp : s.toUcs4()) {
        if (cp >= 0x21 && cp <= 0x7e && cp != '+' && cp != '=' && cp != '\\') {
            out.append(char(cp));
            continue;
        }
        QByteArray hex = QByteArray::number(uint(cp), 16).toUpper();
        if (hex.size() < 2)
            hex.prepend('0');
        out += "\\x{" + hex + '}';
    }
    return out;
}

QByteArray dsnOrcptValue(QByteArrayView address)
{
    bool ascii = true;
    for (const char c : address)
        ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii)
        return "rfc822;" + xtextEncode(address);
    return "utf-8;" + utf8AddrXtextEncode(address);
}

} // namespace outpost
