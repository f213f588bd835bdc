#include "Address.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>

namespace outpost::mime {

namespace {

bool isAtext(char16_t c)
{
    // RFC 5322 §3.2.3 atext
    if ((c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9'))
        return true;
    return QStringView(u"!#$%&'*+-/=?^_`{|}~").contains(QChar(c));
}

bool isControl(char32_t c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

struct AddrParts
{
    QString local;
    QString domain;
    QString error;
};

/// Splits at the last '@' outside a quoted string.
AddrParts splitAddress(const QString &a)
{
    AddrParts p;
    qsizetype at = -1;
    bool inQuote = false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QChar c = a.at(i);
        if (inQuote) {
            if (c == u'\\')
                ++i;
            else if (c == u'"')
                inQuote = false;
            continue;
        }
        if (c == u'"')
            inQuote = true;
        else if (c == u'@')
            at = i;
    }
    if (inQuote) {
        p.error = QStringLiteral("unterminated quoted string");
        return p;
    }
    if (at < 0) {
        p.error = QStringLiteral("missing '@'");
        return p;
    }
    p.local = a.left(at);
    p.domain = a.mid(at + 1);
    return p;
}

bool hasNonAscii(QStringView s)
{
    for (QChar c : s)
        if (c.unicode() > 0x7f)
            return true;
    return false;
}

QString localPartProblem(const QString &local)
{
    if (local.isEmpty())
        return QStringLiteral("empty local part");
    if (local.toUtf8().size() > 64)
        return QStringLiteral("local part longer than 64 octets");
    if (local.startsWith(u'"')) {
        // RFC 5321 Quoted-string: qtextSMTP / quoted-pairSMTP, RFC 6531 adds UTF8-non-ascii
        if (local.size() < 2 || !local.endsWith(u'"'))
            return QStringLiteral("text after the quoted local part");
        for (qsizetype i = 1; i < local.size() - 1; ++i) {
            const char16_t c = local.at(i).unicode();
            if (c == u'\\') {
                if (i + 1 >= local.size() - 1)
                    return QStringLiteral("backslash at the end of the quoted local part");
                const char16_t n = local.at(i + 1).unicode();
                if (n < 32 || n > 126)
                    return QStringLiteral("invalid quoted pair in local part");
                ++i;
                continue;
            }
            if (c == u'"')
                return QStringLiteral("text after the quoted local part");
            if (c < 32 || c == 127)
                return QStringLiteral("control character in local part");
        }
        return {};
    }
    // Dot-string = Atom *("." Atom)
    const QStringList atoms = local.split(u'.');
    for (const QString &atom : atoms) {
        if (atom.isEmpty())
            return QStringLiteral(
                "dot at the start or end of the local part, or two dots in a row");
        for (QChar ch : atom) {
            const char16_t c = ch.unicode();
            if (c > 0x7f)
                continue; // RFC 6531 UTF8-non-ascii
            if (c == u' ' || c == u'\t')
                return QStringLiteral("space outside quotes");
            if (!isAtext(c))
                return QStringLiteral("invalid character '%1' in local part").arg(QChar(c));
        }
    }
    return {};
}

QString ldhProblem(const QByteArray &ace)
{
    if (ace.size() > 253)
        return QStringLiteral("domain longer than 253 octets");
    const QList<QByteArray> labels = ace.split('.');
    for (const QByteArray &label : labels) {
        if (label.isEmpty())
            return QStringLiteral("empty label in domain");
        if (label.size() > 63)
            return QStringLiteral("domain label longer than 63 octets");
        if (label.startsWith('-') || label.endsWith('-'))
            return QStringLiteral("domain label starts or ends with '-'");
        for (char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                if (c == ' ' || c == '\t')
                    return QStringLiteral("space outside quotes");
                return QStringLiteral("invalid character '%1' in domain")
                    .arg(QString::fromLatin1(&c, 1));
            }
        }
    }
    return {};
}

QString literalProblem(const QString &domain)
{
    // RFC 5321 §4.1.3 address-literal
    if (!domain.endsWith(u']'))
        return QStringLiteral("unterminated address literal");
    const QString inner = domain.mid(1, domain.size() - 2);
    if (inner.startsWith(QLatin1String("IPv6:"), Qt::CaseInsensitive)) {
        QHostAddress a;
        if (!a.setAddress(inner.mid(5)) || a.protocol() != QAbstractSocket::IPv6Protocol)
            return QStringLiteral("invalid IPv6 address literal");
        return {};
    }
    static const QRegularExpression v4(QStringLiteral(
        "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$"));
    if (!v4.match(inner).hasMatch())
        return QStringLiteral("invalid address literal");
    return {};
}

/// The domain for the wire: literals and ASCII as typed, Unicode as A-label; "" if invalid.
QByteArray domainToAce(const QString &domain)
{
    if (domain.startsWith(u'[') || !hasNonAscii(domain))
        return domain.toLatin1();
    return QUrl::toAce(domain);
}

QString domainProblem(const QString &domain)
{
    if (domain.isEmpty())
        return QStringLiteral("empty domain");
    if (domain.startsWith(u'['))
        return literalProblem(domain);
    for (QChar c : domain)
        if (c == u' ' || c == u'\t')
            return QStringLiteral("space outside quotes");
    if (domain.contains(u'"'))
        return QStringLiteral("invalid character '\"' in domain");
    if (domain.endsWith(u'.') || domain.startsWith(u'.'))
        return QStringLiteral("empty label in domain");
    const QByteArray ace = domainToAce(domain);
    if (ace.isEmpty())
        return QStringLiteral("invalid international domain name");
    return ldhProblem(ace);
}

} // namespace

QString escapeControls(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (u == u'\r')
            out += QLatin1String("\\r");
        else if (u == u'\n')
            out += QLatin1String("\\n");
        else if (u == u'\t')
            out += QLatin1String("\\t");
        else if (isControl(u))
            out += QStringLiteral("\\x%1").arg(int(u), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

QString addressProblem(const QString &addrSpec)
{
    if (addrSpec.isEmpty())
        return QStringLiteral("empty address");
    if (addrSpec.contains(u'\r') || addrSpec.contains(u'\n'))
        return QStringLiteral("line break in address");
    for (qsizetype i = 0; i < addrSpec.size(); ++i) {
        const QChar c = addrSpec.at(i);
        const char16_t u = c.unicode();
        if (u == u'\r' || u == u'\n')
            return QStringLiteral("line break in address");
        if (isControl(u))
            return QStringLiteral("control character in address");
        if (u == u'<' || u == u'>')
            return QStringLiteral("'<' or '>' in address");
        if (c.isHighSurrogate()) {
            if (i + 1 >= addrSpec.size() || !addrSpec.at(i + 1).isLowSurrogate())
                return QStringLiteral("invalid Unicode in address");
            ++i;
        } else if (c.isLowSurrogate() || u == 0xfffd || u == 0xfeff) {
            return QStringLiteral("invalid Unicode in address");
        }
    }
    const AddrParts p = splitAddress(addrSpec);
    if (!p.error.isEmpty())
        return p.error;
    if (QString e = localPartProblem(p.local); !e.isEmpty())
        return e;
    if (QString e = domainProblem(p.domain); !e.isEmpty())
        return e;
    if (p.local.toUtf8().size() + 1 + domainToAce(p.domain).size() > 254)
        return QStringLiteral("address longer than 254 octets");
    return {};
}

bool needsSmtpUtf8(const QString &addrSpec)
{
    const AddrParts p = splitAddress(addrSpec);
    return hasNonAscii(p.error.isEmpty() ? QStringView(p.local) : QStringView(addrSpec));
}

QByteArray envelopeAddress(const QString &addrSpec, bool smtpUtf8Offered)
{
    if (!addressProblem(addrSpec).isEmpty())
        return {};
    const AddrParts p = splitAddress(addrSpec);
    const QByteArray domain = smtpUtf8Offered ? p.domain.toUtf8() : domainToAce(p.domain);
    return p.local.toUtf8() + '@' + domain;
}

QByteArray headerAddress(const QString &addrSpec)
{
    return envelopeAddress(addrSpec, false);
}

QByteArray aceDomain(const QString &addrSpec)
{
    const AddrParts p = splitAddress(addrSpec);
    if (!p.error.isEmpty())
        return {};
    return domainToAce(p.domain);
}

namespace {

/// Resolves a display-name phrase: quoted-strings lose their quotes and escapes.
bool parsePhrase(const QString &in, QString *out, QString *error)
{
    QString name;
    bool inQuote = false;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QChar c = in.at(i);
        if (inQuote) {
            if (c == u'\\' && i + 1 < in.size()) {
                name += in.at(++i);
            } else if (c == u'"') {
                inQuote = false;
            } else {
                name += c;
            }
            continue;
        }
        if (c == u'"')
            inQuote = true;
        else
            name += c;
    }
    if (inQuote) {
        *error = QStringLiteral("unterminated quoted string");
        return false;
    }
    *out = name.simplified();
    return true;
}

QString entryError(const QString &entry, const QString &reason)
{
    return QStringLiteral("\"%1\": %2").arg(escapeControls(entry), reason);
}

} // namespace

AddressListResult parseAddressList(const QString &text)
{
    AddressListResult result;
    QStringList entries;
    QString cur;
    bool inQuote = false;
    int angle = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (inQuote) {
            cur += c;
            if (c == u'\\' && i + 1 < text.size())
                cur += text.at(++i);
            else if (c == u'"')
                inQuote = false;
            continue;
        }
        if (c == u'"') {
            inQuote = true;
        } else if (c == u'<') {
            ++angle;
        } else if (c == u'>' && angle > 0) {
            --angle;
        } else if ((c == u',' || c == u';') && angle == 0) {
            entries << cur;
            cur.clear();
            continue;
        }
        cur += c;
    }
    entries << cur;

    for (const QString &raw : std::as_const(entries)) {
        if (raw.contains(u'\r') || raw.contains(u'\n')) {
            result.error = entryError(raw.trimmed(), QStringLiteral("line break in address"));
            result.mailboxes.clear();
            return result;
        }
        const QString entry = raw.trimmed();
        if (entry.isEmpty())
            continue;
        Mailbox mb;
        // find '<' outside quotes
        qsizetype lt = -1;
        bool q = false;
        for (qsizetype i = 0; i < entry.size(); ++i) {
            const QChar c = entry.at(i);
            if (q) {
                if (c == u'\\')
                    ++i;
                else if (c == u'"')
                    q = false;
            } else if (c == u'"') {
                q = true;
            } else if (c == u'<') {
                lt = i;
                break;
            }
        }
        if (lt >= 0) {
            const qsizetype gt = entry.indexOf(u'>', lt + 1);
            if (gt < 0) {
                result.error = entryError(entry, QStringLiteral("missing '>'"));
                result.mailboxes.clear();
                return result;
            }
            if (!entry.mid(gt + 1).trimmed().isEmpty()) {
                result.error = entryError(entry, QStringLiteral("text after '>'"));
                result.mailboxes.clear();
                return result;
            }
            QString phraseError;
            if (!parsePhrase(entry.left(lt), &mb.name, &phraseError)) {
                result.error = entryError(entry, phraseError);
                result.mailboxes.clear();
                return result;
            }
            mb.address = entry.mid(lt + 1, gt - lt - 1).trimmed();
        } else {
            mb.address = entry;
        }
        const QString problem = addressProblem(mb.address);
        if (!problem.isEmpty()) {
            result.error = entryError(lt >= 0 ? mb.address : entry, problem);
            result.mailboxes.clear();
            return result;
        }
        for (QChar c : std::as_const(mb.name)) {
            if (isControl(c.unicode())) {
                result.error =
                    entryError(entry, QStringLiteral("control character in display name"));
                result.mailboxes.clear();
                return result;
            }
        }
        result.mailboxes << mb;
    }
    return result;
}

} // namespace outpost::mime
