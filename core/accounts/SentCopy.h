#pragma once

#include "Account.h"
#include "imap/ImapConfig.h"

#include <QString>

namespace outpost {

class Settings;

/// "auto", "on", "off".
QString sentCopyName(SentCopy s);
/// Inverse of sentCopyName() (case-insensitive); false for anything else.
bool sentCopyFromName(const QString &name, SentCopy *out);

/// True for the submission or IMAP host of a provider that puts every message submitted over
/// SMTP into the Sent folder itself, where a copy of our own would be a duplicate: Gmail
/// (smtp.gmail.com, imap.gmail.com, *.googlemail.com) and Outlook.com / Microsoft 365
/// (*.outlook.com, *.office365.com, *.hotmail.com, *.live.com). Host names compare
/// case-insensitively, a trailing dot ignored.
bool providerSavesSubmittedMail(const QString &host);

/// Whether `account` copies its sent messages into the Sent folder: never without an IMAP host;
/// On: yes; Off: no; Auto: yes unless its submission or IMAP host is a provider that saves
/// submitted mail itself (providerSavesSubmittedMail()).
bool sentCopyEffective(const Account &account);

/// Whether a message of `account` whose delivery is uncertain is looked for in its Sent folder
/// before it is sent again: when it has an IMAP host and sent_copy is not Off. Auto counts even
/// where Outpost makes no copy itself (Gmail, Microsoft 365): the provider's own copy is there.
bool sentFolderCheckable(const Account &account);

/// The IMAP session settings of `account`: its IMAP host, port, security and user, the
/// submission's credentials (`secret` is the password, or the OAuth token for xoauth2 and
/// oauthbearer), CA file, pin and plain-auth permission, the timeouts of `settings` (may be
/// null: the defaults).
ImapConfig imapConfigForAccount(const Account &account, const QString &secret,
                                const Settings *settings);

/// Problems with the IMAP fields of `account` ("" when fine): a host with a space or a slash,
/// a security other than tls or starttls.
QString validateImap(const Account &account);

} // namespace outpost
