#include "smtp/SmtpResult.h"
#include <QTest>

using namespace outpost;

class TestSmtpResult : public QObject
{
    Q_OBJECT
private slots:
    void classify_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("cls");
        QTest::newRow("250") << 250 << QString();
        QTest::newRow("421") << 421 << QStringLiteral("transient");
        QTest::newRow("550") << 550 << QStringLiteral("permanent");
        QTest::newRow("999") << 999 << QStringLiteral("protocol");
    }
    void classify()
    {
        QFETCH(int, code);
        QFETCH(QString, cls);
        SmtpReply r;
        r.code = code;
        QCOMPARE(errorClassName(SmtpResult::fromReply(r).errorClass), cls);
    }
};

QTEST_GUILESS_MAIN(TestSmtpResult)
#include "tst_smtpresult.moc"
