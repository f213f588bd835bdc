#include "CaseFile.h"

#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace outpost::testsupport {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Expands s from i into out. Inside a {rep:}/{b64:} construct (inBrace) stops after the
// matching '}' (literal braces must balance). Returns false and sets err on errors.
bool expandInto(QByteArrayView s, qsizetype &i, QByteArray &out, bool inBrace, QString &err)
{
    int depth = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '\\') {
            if (i + 1 >= s.size()) {
                err = QStringLiteral("dangling backslash at end of payload");
                return false;
            }
            const char e = s[i + 1];
            switch (e) {
            case 'r':
                out += '\r';
                i += 2;
                break;
            case 'n':
                out += '\n';
                i += 2;
                break;
            case 't':
                out += '\t';
                i += 2;
                break;
            case '\\':
                out += '\\';
                i += 2;
                break;
            case 'x': {
                const int hi = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
                const int lo = i + 3 < s.size() ? hexValue(s[i + 3]) : -1;
                if (hi < 0 || lo < 0) {
                    err = QStringLiteral("\\x needs two hex digits");
                    return false;
                }
                out += char(hi * 16 + lo);
                i += 4;
                break;
            }
            case 'u': {
                if (i + 2 >= s.size() || s[i + 2] != '{') {
                    err = QStringLiteral("\\u needs {hex}");
                    return false;
                }
                qsizetype j = i + 3;
                char32_t cp = 0;
                int digits = 0;
                while (j < s.size() && s[j] != '}') {
                    const int h = hexValue(s[j]);
                    if (h < 0 || digits >= 6) {
                        err = QStringLiteral("bad hex digit in \\u{...}");
                        return false;
                    }
                    cp = cp * 16 + char32_t(h);
                    ++digits;
                    ++j;
                }
                if (j >= s.size() || digits == 0 || cp > 0x10FFFF ||
                    (cp >= 0xD800 && cp <= 0xDFFF)) {
                    err = QStringLiteral("bad \\u{...} escape");
                    return false;
                }
                out += QString::fromUcs4(&cp, 1).toUtf8();
                i = j + 1;
                break;
            }
            default:
                err = QStringLiteral("unknown escape \\%1").arg(QLatin1Char(e));
                return false;
            }
        } else if (c == '{' &&
                   (s.sliced(i).startsWith("{rep:") || s.sliced(i).startsWith("{b64:"))) {
            const bool rep = s.sliced(i).startsWith("{rep:");
            i += 5;
            qint64 count = 1;
            if (rep) {
                qsizetype j = i;
                while (j < s.size() && s[j] >= '0' && s[j] <= '9')
                    ++j;
                if (j == i || j >= s.size() || s[j] != ':') {
                    err = QStringLiteral("{rep:N:TEXT} needs a count and a colon");
                    return false;
                }
                count = s.sliced(i, j - i).toLongLong();
                i = j + 1;
            }
            QByteArray inner;
            if (!expandInto(s, i, inner, true, err))
                return false;
            if (rep) {
                if (count * inner.size() > 512LL * 1024 * 1024) {
                    err = QStringLiteral("{rep} result too large");
                    return false;
                }
                out += inner.repeated(count);
            } else {
                out += inner.toBase64();
            }
        } else if (c == '{') {
            ++depth;
            out += c;
            ++i;
        } else if (c == '}') {
            ++i;
            if (inBrace && depth == 0)
                return true;
            if (depth > 0)
                --depth;
            out += c;
        } else {
            out += c;
            ++i;
        }
    }
    if (inBrace) {
        err = QStringLiteral("unterminated {rep:}/{b64:} construct");
        return false;
    }
    return true;
}

const QStringList kListKeys = {QStringLiteral("decoded_lines"), QStringLiteral("addresses"),
                               QStringLiteral("display_names")};

// Splits at '|' outside {...} constructs (raw text).
QList<QByteArrayView> splitAlternatives(QByteArrayView v)
{
    QList<QByteArrayView> parts;
    int depth = 0;
    qsizetype start = 0;
    for (qsizetype i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (c == '\\') {
            ++i;
            continue;
        }
        if (c == '{')
            ++depth;
        else if (c == '}' && depth > 0)
            --depth;
        else if (c == '|' && depth == 0) {
            parts.append(v.sliced(start, i - start));
            start = i + 1;
        }
    }
    parts.append(v.sliced(start));
    return parts;
}

// At text[pos]: "key(args)op" with a known key? Returns the length of key+args, op in *op.
qsizetype matchKeyAt(QByteArrayView text, qsizetype pos, QString *key, QString *args, QString *op)
{
    qsizetype j = pos;
    while (j < text.size() && (std::isalnum(uchar(text[j])) || text[j] == '_'))
        ++j;
    if (j == pos)
        return -1;
    const QString k = QString::fromLatin1(text.sliced(pos, j - pos));
    if (!outcomeKeys().contains(k))
        return -1;
    QString a;
    if (j < text.size() && text[j] == '(') {
        const qsizetype close = text.indexOf(')', j);
        if (close < 0)
            return -1;
        a = QString::fromUtf8(text.sliced(j + 1, close - j - 1));
        j = close + 1;
    }
    QString o;
    if (text.sliced(j).startsWith(">="))
        o = QStringLiteral(">=");
    else if (text.sliced(j).startsWith("<="))
        o = QStringLiteral("<=");
    else if (text.sliced(j).startsWith("="))
        o = QStringLiteral("=");
    else
        return -1;
    if (key)
        *key = k;
    if (args)
        *args = a;
    if (op)
        *op = o;
    return j - pos + o.size();
}

QByteArray trimmedRight(QByteArray s)
{
    while (!s.isEmpty() && (s.endsWith(' ') || s.endsWith('\t') || s.endsWith('\r')))
        s.chop(1);
    return s;
}

} // namespace

QByteArray expandPayload(QByteArrayView text, QString *error)
{
    QByteArray out;
    QString err;
    qsizetype i = 0;
    if (!expandInto(text, i, out, false, err)) {
        if (error)
            *error = err;
        return {};
    }
    if (error)
        error->clear();
    return out;
}

const QStringList &outcomeKeys()
{
    static const QStringList keys = {
        // message keys
        QStringLiteral("state"), QStringLiteral("class"), QStringLiteral("last_reply"),
        QStringLiteral("last_reply_text"), QStringLiteral("last_reply_matches"),
        QStringLiteral("rcpt"), QStringLiteral("attempts"), QStringLiteral("uncertain"),
        QStringLiteral("same_message_id"), QStringLiteral("notices"), QStringLiteral("date_zone"),
        QStringLiteral("history_notes"), QStringLiteral("delivery"),
        // session and wire keys
        QStringLiteral("conns"), QStringLiteral("connect_attempts"), QStringLiteral("deliveries"),
        QStringLiteral("dup_deliveries"), QStringLiteral("auth_attempts"),
        QStringLiteral("wire_has"), QStringLiteral("wire_lacks"),
        QStringLiteral("plain_wire_lacks"), QStringLiteral("no_nested_mail"),
        QStringLiteral("eightbit_declared"), QStringLiteral("size_param_ok"),
        QStringLiteral("client_closed_within"), QStringLiteral("closed_within"),
        QStringLiteral("graceful_close"), QStringLiteral("process_alive"),
        // payload keys
        QStringLiteral("data_exact"), QStringLiteral("data_7bit"), QStringLiteral("data_no_bare"),
        QStringLiteral("data_lines_max"), QStringLiteral("header_count"),
        QStringLiteral("header_decoded"), QStringLiteral("encoded_words_ok"),
        QStringLiteral("decoded_body"), QStringLiteral("decoded_lines"),
        QStringLiteral("attachment_name"), QStringLiteral("msgid_ok"), QStringLiteral("date_ok"),
        QStringLiteral("addresses"), QStringLiteral("display_names")};
    return keys;
}

bool Condition::isList() const
{
    return kListKeys.contains(key);
}

QString Condition::text() const
{
    QString s = key;
    if (!args.isEmpty())
        s += QLatin1Char('(') + args.join(QLatin1Char(',')) + QLatin1Char(')');
    return s + op + QString::fromUtf8(raw.left(200)) +
           (raw.size() > 200 ? QStringLiteral("…") : QString());
}

QByteArray CaseAttachment::bytes() const
{
    if (content == QLatin1String("zero"))
        return QByteArray(size, '\0');
    if (content == QLatin1String("text")) {
        if (text.isEmpty())
            return QByteArray(size, 'x');
        QByteArray b = text.repeated((size + text.size() - 1) / text.size());
        b.truncate(size);
        return b;
    }
    QRandomGenerator gen(quint32(qHash(name) ^ quint32(size)));
    QByteArray b(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        b[i] = char(gen.bounded(256));
    return b;
}

QString Directive::typeName(Type t)
{
    switch (t) {
    case Type::Conn:
        return QStringLiteral("CONN");
    case Type::Send:
        return QStringLiteral("S");
    case Type::SendPaused:
        return QStringLiteral("S+");
    case Type::Client:
        return QStringLiteral("C");
    case Type::ClientRegex:
        return QStringLiteral("C~");
    case Type::OptClient:
        return QStringLiteral("C?");
    case Type::OptClientRegex:
        return QStringLiteral("C?~");
    case Type::OptRset:
        return QStringLiteral("OPT-RSET");
    case Type::Data:
        return QStringLiteral("C* <data>");
    case Type::DataPartial:
        return QStringLiteral("C* <data-partial>");
    case Type::Bdat:
        return QStringLiteral("C* <bdat>");
    case Type::Tls:
        return QStringLiteral("TLS");
    case Type::Quiet:
        return QStringLiteral("QUIET");
    case Type::Wait:
        return QStringLiteral("WAIT");
    case Type::Blackhole:
        return QStringLiteral("BLACKHOLE");
    case Type::Close:
        return QStringLiteral("CLOSE");
    case Type::Abort:
        return QStringLiteral("ABORT");
    case Type::EofExpected:
        return QStringLiteral("EOF-EXPECTED");
    case Type::MayAbort:
        return QStringLiteral("MAY-ABORT");
    case Type::Check:
        return QStringLiteral("CHECK");
    case Type::Server:
        return QStringLiteral("SERVER");
    case Type::App:
        return QStringLiteral("APP");
    case Type::Expect:
        return QStringLiteral("EXPECT");
    case Type::Alt:
        return QStringLiteral("ALT");
    }
    return {};
}

QList<QPair<QString, QByteArray>> splitSettings(QByteArrayView text)
{
    static const QRegularExpression keyStart(QStringLiteral("^[A-Za-z][A-Za-z0-9_.-]*="));
    QList<QPair<QString, QByteArray>> out;
    qsizetype start = 0;
    auto emitPair = [&](qsizetype end) {
        const QByteArrayView pair = text.sliced(start, end - start);
        const qsizetype eq = pair.indexOf('=');
        if (eq > 0)
            out.append({QString::fromUtf8(pair.first(eq)), pair.sliced(eq + 1).toByteArray()});
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] != ' ')
            continue;
        const QString rest =
            QString::fromUtf8(text.sliced(i + 1, std::min<qsizetype>(64, text.size() - i - 1)));
        if (keyStart.match(rest).hasMatch()) {
            emitPair(i);
            start = i + 1;
        }
    }
    emitPair(text.size());
    return out;
}

QList<Condition> parseConditions(QByteArrayView text, int line, QString *error)
{
    QList<Condition> out;
    QString key, args, op;
    qsizetype keyLen = matchKeyAt(text, 0, &key, &args, &op);
    if (keyLen < 0) {
        *error = QStringLiteral("line %1: expected an outcome key at the start").arg(line);
        return {};
    }
    qsizetype pos = 0;
    while (pos < text.size()) {
        // find the end of this pair's value
        int depth = 0;
        qsizetype end = text.size();
        QString nkey, nargs, nop;
        qsizetype nlen = -1;
        for (qsizetype i = pos + keyLen; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '\\') {
                ++i;
                continue;
            }
            if (c == '{')
                ++depth;
            else if (c == '}' && depth > 0)
                --depth;
            else if (c == ' ' && depth == 0) {
                nlen = matchKeyAt(text, i + 1, &nkey, &nargs, &nop);
                if (nlen >= 0) {
                    end = i;
                    break;
                }
            }
        }
        Condition c;
        c.key = key;
        c.op = op;
        c.line = line;
        c.raw = text.sliced(pos + keyLen, end - pos - keyLen).toByteArray();
        if (!args.isEmpty()) {
            for (const QString &a : args.split(QLatin1Char(','))) {
                QString err;
                const QByteArray e = expandPayload(a.toUtf8(), &err);
                if (!err.isEmpty()) {
                    *error = QStringLiteral("line %1: %2").arg(line).arg(err);
                    return {};
                }
                c.args.append(QString::fromUtf8(e));
            }
        }
        if (c.isRegex()) {
            c.values.append(c.raw);
        } else {
            for (QByteArrayView alt : splitAlternatives(c.raw)) {
                QString err;
                const QByteArray e = expandPayload(alt, &err);
                if (!err.isEmpty()) {
                    *error = QStringLiteral("line %1: %2 in value of %3").arg(line).arg(err, key);
                    return {};
                }
                c.values.append(e);
            }
        }
        out.append(c);
        if (end >= text.size())
            break;
        pos = end + 1;
        key = nkey;
        args = nargs;
        op = nop;
        keyLen = nlen;
    }
    return out;
}

QMap<QString, QByteArray> CaseFile::defaultConfig(const QString &account)
{
    QMap<QString, QByteArray> c;
    c[QStringLiteral("host")] =
        account == QLatin1String("B") ? "smtp2.example.net" : "smtp.example.net";
    c[QStringLiteral("port")] = "<harness>";
    c[QStringLiteral("tls")] = "none";
    c[QStringLiteral("auth")] = "none";
    c[QStringLiteral("user")] = "alice@example.org";
    c[QStringLiteral("pass")] = "s3cret";
    c[QStringLiteral("from")] = "alice@example.org";
    c[QStringLiteral("pipelining")] = "auto";
    c[QStringLiteral("chunking")] = "auto";
    c[QStringLiteral("pool.max_per_server")] = "1";
    c[QStringLiteral("pool.max_messages")] = "100";
    c[QStringLiteral("pool.idle_ms")] = "600000";
    c[QStringLiteral("timeout.connect")] = "2000";
    c[QStringLiteral("timeout.greeting")] = "2000";
    c[QStringLiteral("timeout.command")] = "2000";
    c[QStringLiteral("timeout.data_block")] = "2000";
    c[QStringLiteral("timeout.data_end")] = "8000";
    c[QStringLiteral("timeout.quit")] = "1500";
    c[QStringLiteral("shutdown.deadline_ms")] = "3000";
    c[QStringLiteral("retry.initial_ms")] = "600000";
    c[QStringLiteral("tls.ca")] = "<harness test CA>";
    return c;
}

const CaseMessage *CaseFile::message(const QString &id) const
{
    for (const CaseMessage &m : messages) {
        if (m.id == id)
            return &m;
    }
    return nullptr;
}

QByteArray CaseFile::setting(const QString &account, const QString &key) const
{
    const auto it = config.constFind(account);
    if (it == config.constEnd())
        return defaultConfig(account).value(key);
    return it->value(key);
}

qint64 CaseFile::intSetting(const QString &account, const QString &key, qint64 fallback) const
{
    bool ok = false;
    const qint64 v = setting(account, key).toLongLong(&ok);
    return ok ? v : fallback;
}

std::optional<CaseFile> CaseFile::load(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, f.errorString());
        return std::nullopt;
    }
    return parse(f.readAll(), error);
}

std::optional<CaseFile> CaseFile::parse(const QByteArray &text, QString *error)
{
    using T = Directive::Type;
    CaseFile cf;
    cf.config[QStringLiteral("A")] = defaultConfig(QStringLiteral("A"));
    cf.accountOrder << QStringLiteral("A");
    bool dialogueStarted = false;
    int currentConn = 0;
    QMap<int, QString> connAccounts;

    auto fail = [&](int line, const QString &msg) {
        *error = QStringLiteral("line %1: %2").arg(line).arg(msg);
        return std::nullopt;
    };
    auto ensureAccount = [&](const QString &acc) {
        if (!cf.config.contains(acc)) {
            cf.config[acc] = defaultConfig(acc);
            cf.accountOrder << acc;
        }
    };
    auto messageFor = [&](const QString &id) -> CaseMessage & {
        for (CaseMessage &m : cf.messages) {
            if (m.id == id)
                return m;
        }
        CaseMessage m;
        m.id = id;
        cf.messages.append(m);
        return cf.messages.last();
    };

    const QList<QByteArray> lines = text.split('\n');
    for (int ln = 0; ln < lines.size(); ++ln) {
        const int lineNo = ln + 1;
        QByteArray line = lines[ln];
        if (line.endsWith('\r'))
            line.chop(1); // tolerate CRLF files
        if (line.trimmed().isEmpty() || line.startsWith('#'))
            continue;

        QByteArray name;
        QByteArray payload;
        bool bare = false;
        const qsizetype colon = line.indexOf(':');
        const qsizetype space = line.indexOf(' ');
        if (line.startsWith("MSG ")) {
            if (colon < 0)
                return fail(lineNo, QStringLiteral("MSG line without colon"));
            name = line.first(colon);
            payload = line.sliced(colon + 1);
        } else if (colon < 0 || (space >= 0 && space < colon)) {
            name = trimmedRight(line);
            bare = true;
        } else {
            name = line.first(colon);
            payload = line.sliced(colon + 1);
        }
        if (!bare && payload.startsWith(' '))
            payload.remove(0, 1);

        auto expand = [&](QByteArrayView p, bool *ok) {
            QString err;
            QByteArray r = expandPayload(p, &err);
            *ok = err.isEmpty();
            if (!*ok)
                *error = QStringLiteral("line %1: %2").arg(lineNo).arg(err);
            return r;
        };
        bool ok = true;

        // ---- header block ----
        if (name == "ID" || name == "TITLE" || name == "KIND" || name == "SOURCE" ||
            name == "CONFIG" || name.startsWith("MSG ") || name == "SETUP") {
            if (dialogueStarted)
                return fail(lineNo, QStringLiteral("%1 after the first dialogue directive")
                                        .arg(QString::fromUtf8(name)));
            if (name == "ID")
                cf.id = QString::fromUtf8(payload.trimmed());
            else if (name == "TITLE")
                cf.title = QString::fromUtf8(payload);
            else if (name == "KIND")
                cf.kind = QString::fromUtf8(payload);
            else if (name == "SOURCE")
                cf.source = QString::fromUtf8(payload);
            else if (name == "SETUP") {
                if (!payload.startsWith("env "))
                    return fail(lineNo, QStringLiteral("SETUP supports only env"));
                for (const auto &kv : splitSettings(payload.sliced(4))) {
                    const QByteArray v = expand(kv.second, &ok);
                    if (!ok)
                        return std::nullopt;
                    cf.env[kv.first] = QString::fromUtf8(v);
                }
            } else if (name == "CONFIG") {
                const auto pairs = splitSettings(payload);
                if (pairs.isEmpty())
                    return fail(lineNo, QStringLiteral("CONFIG without key=value"));
                QString acc = QStringLiteral("A");
                for (const auto &kv : pairs) {
                    if (kv.first == QLatin1String("account")) {
                        acc = QString::fromUtf8(kv.second);
                        ensureAccount(acc);
                        continue;
                    }
                    const QByteArray v = expand(kv.second, &ok);
                    if (!ok)
                        return std::nullopt;
                    ensureAccount(acc);
                    cf.config[acc][kv.first] = v;
                }
            } else {
                // MSG id.field
                const QByteArray spec = name.sliced(4).trimmed();
                const qsizetype dot = spec.indexOf('.');
                if (dot <= 0)
                    return fail(lineNo, QStringLiteral("MSG needs id.field"));
                const QString id = QString::fromUtf8(spec.first(dot));
                const QByteArray field = spec.sliced(dot + 1);
                CaseMessage &m = messageFor(id);
                if (field == "attach") {
                    // the first " size=" that is followed by digits and then the end or " content="
                    static const QRegularExpression sizeRest(
                        QStringLiteral("^\\d+( content=.*)?$"),
                        QRegularExpression::DotMatchesEverythingOption);
                    qsizetype sizePos = payload.indexOf(" size=");
                    while (
                        sizePos >= 0 &&
                        !sizeRest.match(QString::fromUtf8(payload.sliced(sizePos + 6))).hasMatch())
                        sizePos = payload.indexOf(" size=", sizePos + 1);
                    if (!payload.startsWith("name=") || sizePos < 0)
                        return fail(lineNo, QStringLiteral("attach needs name=... size=..."));
                    CaseAttachment a;
                    a.name = QString::fromUtf8(expand(payload.sliced(5, sizePos - 5), &ok));
                    if (!ok)
                        return std::nullopt;
                    QByteArray rest = payload.sliced(sizePos + 6);
                    const qsizetype contentPos = rest.indexOf(" content=");
                    QByteArray sizeText = contentPos >= 0 ? rest.first(contentPos) : rest;
                    bool nok = false;
                    a.size = sizeText.trimmed().toLongLong(&nok);
                    if (!nok)
                        return fail(lineNo, QStringLiteral("attach size is not a number"));
                    if (contentPos >= 0) {
                        const QByteArray content = rest.sliced(contentPos + 9);
                        if (content.startsWith("text:")) {
                            a.content = QStringLiteral("text");
                            a.text = expand(content.sliced(5), &ok);
                            if (!ok)
                                return std::nullopt;
                        } else if (content == "random" || content == "zero") {
                            a.content = QString::fromLatin1(content);
                        } else {
                            return fail(lineNo, QStringLiteral("unknown attach content"));
                        }
                    }
                    m.attachments.append(a);
                    continue;
                }
                const QByteArray v = expand(payload, &ok);
                if (!ok)
                    return std::nullopt;
                if (field == "account") {
                    m.account = QString::fromUtf8(v);
                    ensureAccount(m.account);
                } else if (field == "from") {
                    m.from = v;
                    m.fromSet = true;
                } else if (field == "to") {
                    m.to.append(v);
                    m.toSet = true;
                } else if (field == "cc") {
                    m.cc.append(v);
                } else if (field == "bcc") {
                    m.bcc.append(v);
                } else if (field == "subject") {
                    m.subject = v;
                    m.subjectSet = true;
                } else if (field == "body") {
                    m.body = v;
                    m.bodySet = true;
                } else if (field == "header") {
                    m.headers.append(v);
                } else if (field == "raw") {
                    m.raw = v;
                } else if (field == "mail_from") {
                    m.mailFrom = v;
                } else if (field == "rcpt") {
                    m.rcpt.append(v);
                } else if (field == "notify") {
                    m.notify = v;
                } else if (field == "ret") {
                    m.ret = v;
                } else if (field == "envid") {
                    m.envid = v;
                } else {
                    return fail(
                        lineNo,
                        QStringLiteral("unknown MSG field %1").arg(QString::fromUtf8(field)));
                }
            }
            continue;
        }

        if (name == "NOTE") {
            cf.notes << QString::fromUtf8(payload);
            continue;
        }

        // ---- dialogue ----
        dialogueStarted = true;
        Directive d;
        d.line = lineNo;
        d.source = QString::fromUtf8(line.left(300));
        d.conn = currentConn;
        auto needConn = [&]() {
            return currentConn > 0;
        };

        if (name == "CONN") {
            const QList<QByteArray> parts = payload.simplified().split(' ');
            bool nok = false;
            const int n = parts.value(0).toInt(&nok);
            if (!nok || n <= 0)
                return fail(lineNo, QStringLiteral("CONN needs a positive number"));
            QString acc = QStringLiteral("A");
            for (int i = 1; i < parts.size(); ++i) {
                if (parts[i].startsWith("account="))
                    acc = QString::fromUtf8(parts[i].sliced(8));
                else
                    return fail(lineNo, QStringLiteral("unknown CONN option"));
            }
            if (connAccounts.contains(n)) {
                if (parts.size() > 1 && connAccounts[n] != acc)
                    return fail(lineNo, QStringLiteral("CONN %1 changes account").arg(n));
                acc = connAccounts[n];
            } else {
                connAccounts[n] = acc;
                ensureAccount(acc);
            }
            currentConn = n;
            d.type = T::Conn;
            d.conn = n;
            d.account = acc;
        } else if (name == "S" || name == "S+") {
            d.type = name == "S" ? T::Send : T::SendPaused;
            d.bytes = expand(payload, &ok);
        } else if (name == "C" || name == "C?") {
            d.type = name == "C" ? T::Client : T::OptClient;
            d.bytes = expand(payload, &ok);
            if (ok && d.bytes.isEmpty())
                return fail(lineNo, QStringLiteral("empty C: payload"));
        } else if (name == "C~" || name == "C?~") {
            d.type = name == "C~" ? T::ClientRegex : T::OptClientRegex;
            d.regex = QString::fromUtf8(payload);
            const QRegularExpression re(d.regex);
            if (!re.isValid())
                return fail(lineNo, QStringLiteral("bad regex: %1").arg(re.errorString()));
        } else if (name == "OPT-RSET") {
            d.type = T::OptRset;
        } else if (name == "C*") {
            if (payload == "<data>") {
                d.type = T::Data;
            } else if (payload.startsWith("<data-partial ") && payload.endsWith('>')) {
                d.type = T::DataPartial;
                bool nok = false;
                d.number = payload.sliced(14, payload.size() - 15).toLongLong(&nok);
                if (!nok || d.number <= 0)
                    return fail(lineNo, QStringLiteral("bad <data-partial N>"));
            } else if (payload == "<bdat>" || payload == "<bdat last>") {
                d.type = T::Bdat;
                d.number = payload == "<bdat last>" ? 1 : 0;
            } else {
                return fail(
                    lineNo,
                    QStringLiteral("C* needs <data>, <data-partial N>, <bdat> or <bdat last>"));
            }
        } else if (name == "TLS") {
            d.type = T::Tls;
            if (!payload.startsWith("cert="))
                return fail(lineNo, QStringLiteral("TLS needs cert=KIND"));
            d.text = QString::fromUtf8(payload.sliced(5).trimmed());
            static const QStringList kinds = {
                QStringLiteral("valid"), QStringLiteral("self-signed"),
                QStringLiteral("wrong-host"), QStringLiteral("expired")};
            if (!kinds.contains(d.text))
                return fail(lineNo, QStringLiteral("unknown cert kind %1").arg(d.text));
        } else if (name == "QUIET" || name == "WAIT") {
            d.type = name == "QUIET" ? T::Quiet : T::Wait;
            bool nok = false;
            d.number = payload.trimmed().toLongLong(&nok);
            if (!nok || d.number < 0)
                return fail(lineNo,
                            QStringLiteral("%1 needs milliseconds").arg(QString::fromUtf8(name)));
        } else if (name == "BLACKHOLE") {
            d.type = T::Blackhole;
        } else if (name == "CLOSE") {
            d.type = T::Close;
        } else if (name == "ABORT") {
            d.type = T::Abort;
        } else if (name == "EOF-EXPECTED") {
            d.type = T::EofExpected;
        } else if (name == "MAY-ABORT") {
            d.type = T::MayAbort;
        } else if (name == "CHECK" || name == "EXPECT" || name == "ALT") {
            d.type = name == "CHECK" ? T::Check : name == "EXPECT" ? T::Expect : T::Alt;
            QString err;
            d.conditions = parseConditions(payload, lineNo, &err);
            if (!err.isEmpty()) {
                *error = err;
                return std::nullopt;
            }
            d.conn = 0;
        } else if (name == "SERVER") {
            d.type = T::Server;
            d.text = QString::fromUtf8(payload.trimmed());
            if (d.text != QLatin1String("down") && d.text != QLatin1String("up"))
                return fail(lineNo, QStringLiteral("SERVER needs down or up"));
            d.conn = 0;
            d.account = currentConn > 0 ? connAccounts.value(currentConn) : QStringLiteral("A");
        } else if (name == "APP") {
            d.type = T::App;
            d.conn = 0;
            const QByteArray p = payload.trimmed();
            const qsizetype sp = p.indexOf(' ');
            d.app.name = QString::fromUtf8(sp < 0 ? p : p.first(sp));
            const QByteArray rest = sp < 0 ? QByteArray() : p.sliced(sp + 1);
            static const QStringList events = {
                QStringLiteral("enqueue"), QStringLiteral("flush"), QStringLiteral("offline"),
                QStringLiteral("online"),  QStringLiteral("quit"),  QStringLiteral("kill"),
                QStringLiteral("restart"), QStringLiteral("set"),   QStringLiteral("user-retry"),
                QStringLiteral("sleep"),   QStringLiteral("cli")};
            if (!events.contains(d.app.name))
                return fail(lineNo, QStringLiteral("unknown APP event %1").arg(d.app.name));
            if (d.app.name == QLatin1String("set")) {
                d.app.account = QStringLiteral("A");
                for (const auto &kv : splitSettings(rest)) {
                    if (kv.first == QLatin1String("account")) {
                        d.app.account = QString::fromUtf8(kv.second);
                        continue;
                    }
                    d.app.settings.append({kv.first, expand(kv.second, &ok)});
                    if (!ok)
                        return std::nullopt;
                }
                if (d.app.settings.isEmpty())
                    return fail(lineNo, QStringLiteral("APP set needs key=value"));
            } else if (!rest.isEmpty()) {
                for (const QByteArray &a : rest.simplified().split(' '))
                    d.app.args << QString::fromUtf8(a);
            }
            if (d.app.name == QLatin1String("sleep")) {
                bool nok = false;
                d.number = d.app.args.value(0).toLongLong(&nok);
                if (!nok)
                    return fail(lineNo, QStringLiteral("APP sleep needs milliseconds"));
            }
            if ((d.app.name == QLatin1String("enqueue") ||
                 d.app.name == QLatin1String("user-retry")) &&
                d.app.args.isEmpty())
                return fail(lineNo, QStringLiteral("APP %1 needs message ids").arg(d.app.name));
        } else {
            return fail(lineNo,
                        QStringLiteral("unknown directive %1").arg(QString::fromUtf8(name)));
        }
        if (!ok)
            return std::nullopt;
        const bool connLine = d.type != T::Conn && d.type != T::Check && d.type != T::Expect &&
                              d.type != T::Alt && d.type != T::Server && d.type != T::App &&
                              d.type != T::MayAbort;
        if (connLine && !needConn())
            return fail(lineNo,
                        QStringLiteral("%1 before any CONN").arg(Directive::typeName(d.type)));
        cf.dialogue.append(d);
    }

    if (cf.id.isEmpty())
        return fail(0, QStringLiteral("missing ID"));
    // message defaults and sanity
    for (CaseMessage &m : cf.messages) {
        if (m.raw) {
            if (!m.mailFrom || m.rcpt.isEmpty())
                return fail(0, QStringLiteral("raw message %1 needs mail_from and rcpt").arg(m.id));
            continue;
        }
        if (!m.toSet)
            m.to = {QByteArrayLiteral("bob@example.net")};
        if (!m.subjectSet)
            m.subject = cf.id.toUtf8();
        if (!m.bodySet)
            m.body = "Hello from " + cf.id.toUtf8() + "\r\n";
        if (!m.fromSet)
            m.from = "alice@example.org";
    }
    for (const Directive &d : cf.dialogue) {
        if (d.type == T::App &&
            (d.app.name == QLatin1String("enqueue") || d.app.name == QLatin1String("user-retry"))) {
            for (const QString &id : d.app.args) {
                if (!cf.message(id))
                    return fail(d.line, QStringLiteral("unknown message %1").arg(id));
            }
        }
    }
    return cf;
}

} // namespace outpost::testsupport
