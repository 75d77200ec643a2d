/* SPDX-License-Identifier: ISC */
/*
 * tools/client.h - what lisp-register and lisp-query share: the exit codes a script relies
 * on, number/host:port/duration parsing, small bounded files read through proto/buf.h
 * (key file, EID list), the nonce sources and the request/answer exchange over one UDP
 * socket with exponential back-off (the first wait is --timeout, then doubled each retry).
 * All of it lives in libtools.a so the unit tests link the production code.
 */
#ifndef TOOLS_CLIENT_H
#define TOOLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/addr.h"
#include "proto/buf.h"

/* Format an error message into err (if given) and return -1: the tools' one error helper. */
int errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Exit codes (documented in --help of both tools). */
#define EXIT_DONE     0 /* acknowledged / answered */
#define EXIT_OTHER    1 /* any other error (file, socket, resolution) */
#define EXIT_USAGE    2 /* bad command line or configuration */
#define EXIT_NOANSWER 3 /* nothing matching came back after every retry */
#define EXIT_REJECTED 4 /* an answer with our nonce that we refuse (see lisp_register.c) */
#define EXIT_PARTIAL  5 /* lisp-register: some Map-Servers acknowledged everything, not all */

#define TOOLS_ERRLEN	   256
#define TOOLS_MAX_RETRIES  10
#define TOOLS_MAX_TIMEOUT  60.0
#define TOOLS_FILE_MAX	   (1u << 20)  /* key and config files */
#define TOOLS_EID_FILE_MAX (64u << 20) /* EID list files (10^6 IPv6 host EIDs fit) */
#define TOOLS_SECRET_MAX   256
#define TOOLS_HOST_MAX	   256
#define TOOLS_DGRAM_MAX	   9216 /* receive buffer; longer datagrams are ignored */

/* Decimal unsigned integer in [0, max], the whole string. */
int tools_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* Seconds, decimals allowed ("0.5"), in (0, TOOLS_MAX_TIMEOUT]. */
int tools_parse_seconds(const char *s, double *out);
/* "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal (no port). */
int tools_parse_hostport(const char *s, uint16_t defport, char *host, size_t hostlen,
			 uint16_t *port);
/* Resolve host (name or literal) + port to a socket address (first result, IPv4 or IPv6). */
int tools_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *sslen,
		  char *err, size_t errlen);
void tools_sockaddr_to_ip(const struct sockaddr_storage *ss, struct ipaddr *ip, uint16_t *port);
int tools_ip_to_sockaddr(const struct ipaddr *ip, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *sslen);
/* "192.0.2.1:4342" / "[2001:db8::1]:4342" */
const char *tools_sockaddr_str(const struct sockaddr_storage *ss, char *dst, size_t len);

/* Read a whole regular file (at most max bytes, else an error); *data is malloc'd and
 * NUL-terminated (the NUL is not counted in *len). */
int tools_read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
		    size_t errlen);
/* Read stdin the same way. */
int tools_read_fd(int fd, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen);

/* The secret in a key file: the whole file without its trailing CR/LF characters, the rule
 * of the daemons' secret-file attribute, so the same file configures lisp-msd and
 * lisp-register. Blanks are kept (part of the password); no comments. Empty, NUL bytes and
 * secrets over TOOLS_SECRET_MAX are errors. */
int tools_parse_secret(const uint8_t *data, size_t len, char *secret, size_t cap, size_t *slen,
		       char *err, size_t errlen);

/* EID list: one prefix per line ("198.51.100.5/32", "2001:db8::5", "[42]10.0.0.1/32"), '#'
 * starts a comment, blank lines ignored, surrounding blanks trimmed. Prefixes without an
 * explicit "[iid]" get default_iid. Errors name the line. Appends to *out (realloc'd). */
int tools_parse_eid_list(const uint8_t *data, size_t len, uint32_t default_iid,
			 struct lisp_prefix **out, size_t *n, char *err, size_t errlen);
/* One EID argument, with the same rules. */
int tools_parse_eid(const char *s, uint32_t default_iid, struct lisp_prefix *out);

/* Map-Register nonce that increases across runs: proto/ lisp_register_nonce (the realtime
 * clock in ns, and always > last), the scale lisp-xtrd uses too. */
uint64_t tools_nonce_increasing(uint64_t last);
/* Random 64-bit nonce (getrandom). */
uint64_t tools_nonce_random(void);
double tools_now_ms(void);

/* ---- one request/answer exchange ---- */
enum xchg_verdict {
	XR_IGNORE = 0, /* not for us (wrong type, unknown nonce, malformed): keep waiting */
	XR_DONE = 1,   /* the answer */
	XR_REJECT = 2, /* our nonce, but refused: stop now */
};

/* An ICMP error about one of our datagrams (IP_RECVERR/IPV6_RECVERR error queue): not an
 * answer, and it may be forged, so the exchange keeps waiting and retrying; it tells a
 * silent peer from one that is not there. */
enum xchg_icmp {
	XI_NONE = 0,
	XI_PORT_UNREACH, /* nothing listens on that UDP port */
	XI_HOST_UNREACH, /* network, host or address unreachable (a router said so) */
	XI_PROHIBITED,	 /* administratively prohibited: a firewall rejects it */
	XI_OTHER,	 /* another ICMP error (time exceeded, too big...) */
};
const char *xchg_icmp_name(enum xchg_icmp k); /* "port-unreachable", ... */
/* ICMP errors about the datagrams of UDP socket fd (of that family) into its error queue;
 * tools_icmp_drain reads the queue (when poll says POLLERR): each error counted in *count,
 * the last one's kind and reporter in *kind and *from. */
void tools_icmp_listen(int fd, int family);
void tools_icmp_drain(int fd, unsigned *count, enum xchg_icmp *kind, struct sockaddr_storage *from);

struct xchg {
	int fd;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	double timeout; /* first wait in seconds; doubled after every attempt */
	unsigned retries;
	/* Build attempt `attempt` (0-based) into `out` (a fresh writer). */
	int (*build)(void *arg, unsigned attempt, struct buf *out, char *err, size_t errlen);
	/* Judge a datagram; on XR_DONE/XR_REJECT set *attempt to the attempt it answers. */
	enum xchg_verdict (*match)(void *arg, const uint8_t *data, size_t len,
				   const struct sockaddr_storage *from, unsigned *attempt);
	void *arg;
	/* results */
	unsigned attempts;	      /* datagrams sent */
	unsigned ignored;	      /* datagrams received and ignored */
	double rtt_ms;		      /* send of the answered attempt -> answer */
	struct sockaddr_storage from; /* who answered */
	double sent_ms[TOOLS_MAX_RETRIES + 1];
	int send_errno;			   /* a send failed (not counted in attempts): EXIT_OTHER */
	unsigned icmp_errors;		   /* ICMP errors received for our datagrams */
	enum xchg_icmp icmp;		   /* the last one's kind ... */
	struct sockaddr_storage icmp_from; /* ... and who reported it */
};
/* EXIT_DONE, EXIT_NOANSWER, EXIT_REJECTED or EXIT_OTHER (err says why; send_errno set when
 * a datagram could not be sent). */
int xchg_run(struct xchg *x, char *err, size_t errlen);

#endif
