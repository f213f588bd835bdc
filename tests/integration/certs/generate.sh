#!/bin/sh
# Makes localhost.pem/.key (SAN localhost, 127.0.0.1) signed by the test CA in
# tests/support/certs, for the integration tests against real servers on loopback.
# The PEM files are committed; run this only to replace them.
set -e
cd "$(dirname "$0")"
CA=../../support/certs
openssl req -new -newkey rsa:2048 -nodes -keyout localhost.key -subj "/O=Outpost tests/CN=localhost" -out localhost.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl x509 -req -in localhost.csr -CA $CA/ca.pem -CAkey $CA/ca.key -CAcreateserial -days 10950 -sha256 -extfile ext.cnf -out localhost.pem
rm -f localhost.csr ext.cnf $CA/ca.srl

# example.pem/.key: the servers of the account-discovery tests (autoconfig over HTTPS, the SRV
# targets, the guessed smtp./mail. hosts), signed by the same test CA.
openssl req -new -newkey rsa:2048 -nodes -keyout example.key -subj "/O=Outpost tests/CN=example.org" -out example.csr
printf 'subjectAltName=DNS:example.org,DNS:autoconfig.example.org,DNS:smtp.example.org,DNS:mail.example.org,DNS:submit.example.org,DNS:relay.elsewhere.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl x509 -req -in example.csr -CA $CA/ca.pem -CAkey $CA/ca.key -CAcreateserial -days 10950 -sha256 -extfile ext.cnf -out example.pem
rm -f example.csr ext.cnf $CA/ca.srl
