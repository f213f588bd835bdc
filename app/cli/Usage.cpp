#include "Usage.h"

#include <QRegularExpression>
#include <QStringList>

namespace outpost::cli {

namespace {
const char kUsage[] =
    "usage: outpost [--data-dir DIR] COMMAND ...\n"
    "\n"
    "  (no command)                 start the desktop app [--offline] [--minimized]\n"
    "  account add NAME --host H [--port P] [--security tls|starttls|none]\n"
    "        [--auth auto|none|plain|login|scram-sha-256|cram-md5|xoauth2|oauthbearer]\n"
    "        [--user U] [--from ADDR] [--password-command CMD | --password-stdin]\n"
    "        [--ca-file PEM] [--pin-sha256 HEX] [--allow-plain-auth] [--default]\n"
    "        [--imap-host H [--imap-port P] [--imap-security tls|starttls] [--imap-user U]\n"
    "        [--sent-folder NAME] [--sent-copy auto|on|off]]   a copy of each sent message\n"
    "                                  in the Sent folder over IMAP (same password)\n"
    "  account add NAME --oauth microsoft|google|custom --user ADDRESS [--oauth-client-id ID]\n"
    "        [--oauth-client-secret S] [--oauth-authorize-url U --oauth-token-url U\n"
    "        --oauth-scope S [--oauth-device-url U] [--oauth-revoke-url U]]\n"
    "        [--auth xoauth2|oauthbearer] [--host H ...]  sign in with OAuth 2.0 (the provider\n"
    "                                  brings host, port and security)\n"
    "  account login NAME [--device] [--no-browser] [--token-file] [--timeout SECONDS]\n"
    "                                  sign in in the browser (or with a code: --device);\n"
    "                                  exit 0 signed in, 77 refused, 75 timed out\n"
    "  account add NAME --address ADDR --auto [--yes] [--user U] [--from ADDR]\n"
    "        [--password-stdin] [--oauth-client-id ID [--oauth-client-secret S]] [--imap-...]\n"
    "                                  find the server from the address (built-in presets,\n"
    "                                  autoconfig, DNS SRV, a probe); saved only with --yes\n"
    "  account edit NAME [--host H] [--port P] [--security S] [--auth A] [--user U]\n"
    "        [--from ADDR] [--password-command CMD | --password-stdin] [--ca-file PEM]\n"
    "        [--pin-sha256 HEX] [--imap-host H] [--imap-port P] [--imap-security S]\n"
    "        [--imap-user U] [--sent-folder NAME] [--sent-copy auto|on|off]\n"
    "        [--oauth-client-id ID] [--oauth-client-secret S] [--oauth-...-url U]\n"
    "        [--oauth-scope S]         change in place; queued messages are kept\n"
    "  account logout NAME             sign out: revoke the sign-in where the provider can,\n"
    "                                  and remove it; messages then wait for a new login\n"
    "  account list [--json] | account test NAME | account remove NAME [--force]\n"
    "  account default NAME\n"
    "  queue [--account NAME] [--from ADDR] --to ADDR [--to ...] [--cc ...] [--bcc ...]\n"
    "        [--subject TEXT] [--body TEXT | --body-file F] [--html-file F] [--attach F ...]\n"
    "        [--send-at ISO-8601 [--yes]] [--strict]   prints the new message id; warns\n"
    "                                  when larger than the server's last SIZE (--strict:\n"
    "                                  refused, exit 65 too-large)\n"
    "        [--reply-to-eml FILE]     a reply to FILE: To from its Reply-To/From, \"Re: \" "
    "Subject,\n"
    "                                  In-Reply-To and References (--to / --subject win)\n"
    "  queue [--account NAME] --eml FILE|- [--send-at ISO-8601]\n"
    "                                  queue an existing RFC 5322 message as it is (--to,\n"
    "                                  --subject, --attach, ... are refused with it)\n"
    "        both take [--notify success,failure,delay|never] [--ret full|hdrs] [--envid ID]:\n"
    "        delivery status notifications (RFC 3461), asked of servers that offer DSN\n"
    "  sendmail [-t] [-i] [-oi] [-f ADDR] [-F NAME] [-N DSN] [-R full|hdrs] [-V ENVID]\n"
    "        [RCPT ...]                               queue from standard input\n"
    "  list [--state S] [--search TEXT] [--json]\n"
    "  show ID [--json]\n"
    "  retry ID | hold ID | release ID | cancel ID\n"
    "  flush [--timeout SECONDS] [--verbose] [--json]\n"
    "                                  send all due messages now, QUIT, exit; on a terminal\n"
    "                                  a progress line, --json a summary for programs\n"
    "  daemon                          send in the background without a window until SIGTERM\n"
    "  status [--json]                 who sends, the pool, messages per state, next due time\n"
    "  salvage [--force]               copy what can be read of a damaged outbox into a new one\n"
    "  purge [--before DATE] [--state sent|failed] [--dry-run] [--json]\n"
    "                                  delete sent and failed messages (record and history\n"
    "                                  too) older than DATE, default retention.sent_days ago\n"
    "  config set [--account NAME] KEY VALUE | config get|unset [--account NAME] KEY | config "
    "list\n"
    "\n"
    "The outbox lives in --data-dir, else $OUTPOST_DATA_DIR, else the platform's data folder.\n"
    "Exit codes: 0 done, 64 usage, 65 bad input, 69 server unavailable, 73 cannot create the data\n"
    "folder or outbox, 75 deferred (try again later), 77 auth, 78 configuration.\n";
} // namespace

QString usageText()
{
    return QString::fromLatin1(kUsage);
}

QString commandUsage(const QString &command)
{
    const QStringList lines = QString::fromLatin1(kUsage).split(QLatin1Char('\n'));
    const QRegularExpression entry(
        QStringLiteral("(^|\\| )%1( |$)").arg(QRegularExpression::escape(command)));
    QString text = lines.value(0) + QLatin1String("\n\n");
    bool inEntry = false;
    for (qsizetype i = 2; i < lines.size(); ++i) { // after the usage line and a blank one
        const QString &l = lines[i];
        if (l.isEmpty())
            break;
        const bool isEntry = l.startsWith(QLatin1String("  ")) && l.size() > 2 && l[2] != u' ';
        if (isEntry)
            inEntry = entry.match(l.mid(2)).hasMatch();
        if (inEntry)
            text += l + QLatin1Char('\n');
    }
    return text;
}

} // namespace outpost::cli
