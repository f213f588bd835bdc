#include "Capabilities.h"

namespace outpost {

namespace {

// RFC 4422 §3.1: a mechanism name is 1 to 20 characters of A-Z, 0-9, '-' and '_'.
bool isSaslMechanismName(const QByteArray &name)
{
    if (name.isEmpty() || name.size() > 20)
        return false;
    for (const char c : name) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

} // namespace

Capabilities Capabilities::fromEhloReply(const SmtpReply &reply)
{
    Capabilities caps;
    caps.esmtp = true;
    if (reply.lines.isEmpty())
        return caps;
    caps.domain = reply.lines.first().split(' ').value(0);
    // The enhanced-code splitter may have taken a leading "x.y.z" from a keyword line; EHLO
    // keywords never look like that, so the lines are used as they are.
    for (qsizetype i = 1; i < reply.lines.size(); ++i) {
        const QByteArray line = reply.lines[i].trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype sp = line.indexOf(' ');
        // "AUTH=LOGIN PLAIN" is an old, still common spelling of AUTH.
        qsizetype cut = sp;
        const qsizetype eq = line.indexOf('=');
        if (eq > 0 && (sp < 0 || eq < sp) && line.left(eq).toUpper() == "AUTH")
            cut = eq;
        const QByteArray keyword = (cut < 0 ? line : line.left(cut)).toUpper();
        const QByteArray params = cut < 0 ? QByteArray() : line.mid(cut + 1).trimmed();
        if (keyword == "AUTH") {
            // Names that are not valid SASL mechanism names are ignored.
            for (const QByteArray &m : params.split(' ')) {
                const QByteArray upper = m.trimmed().toUpper();
                const QString mech = QString::fromLatin1(upper);
                if (isSaslMechanismName(upper) && !caps.authMechanisms.contains(mech))
                    caps.authMechanisms.append(mech);
            }
            // Servers often send both spellings: keep each mechanism once.
            caps.keywords.insert(keyword, caps.authMechanisms.join(QLatin1Char(' ')).toLatin1());
            continue;
        }
        caps.keywords.insert(keyword, params);
        if (keyword == "PIPELINING")
            caps.pipelining = true;
        else if (keyword == "CHUNKING")
            caps.chunking = true;
        else if (keyword == "BINARYMIME")
            caps.binaryMime = true;
        else if (keyword == "8BITMIME")
            caps.eightBitMime = true;
        else if (keyword == "SMTPUTF8")
            caps.smtpUtf8 = true;
        else if (keyword == "DSN")
            caps.dsn = true;
        else if (keyword == "ENHANCEDSTATUSCODES")
            caps.enhancedStatusCodes = true;
        else if (keyword == "STARTTLS")
            caps.startTls = true;
        else if (keyword == "REQUIRETLS")
            caps.requireTls = true;
        else if (keyword == "SIZE") {
            caps.sizeAdvertised = true;
            bool ok = false;
            const qint64 n = params.toLongLong(&ok);
            caps.sizeLimit = ok && n > 0 ? n : 0;
        }
    }
    return caps;
}

QStringList Capabilities::describe() const
{
    QStringList out;
    for (auto it = keywords.cbegin(); it != keywords.cend(); ++it)
        out << QString::fromLatin1(it.key() +
                                   (it.value().isEmpty() ? QByteArray() : ' ' + it.value()));
    out.sort();
    return out;
}

} // namespace outpost
