// SPDX-License-Identifier: GPL-2.0
/*
 * l4flood - send a fixed number of IPv4 TCP or UDP frames out of one
 * interface through an AF_PACKET socket and report how long it took.
 *
 * Used by bench/l4/run.sh as the client of the L4 load-balancer benchmark.
 * Why AF_PACKET and not pktgen: pktgen keeps a reference to every skb it
 * sends, so each packet reaches the load balancer shared and cloned, and the
 * first header write on the LB (MAC rewrite, NAT, TTL) has to copy it.  That
 * copy is an artefact a real NIC never causes, and it would penalise the LB
 * that writes to the packet.  Frames sent here arrive as private skbs, and
 * pktgen cannot build TCP SYNs, which is what "new flow" means to IPVS.
 *
 * Flows: the frame number i (0 <= i < count) maps to flow
 * k = (first + i) mod (nips * nports), with source address src + k % nips
 * and source port sport + k / nips.  With count <= nips * nports every frame
 * is a new flow; with count > nips * nports the same flows repeat (the
 * established-flow case).
 *
 * The send is synchronous: on a veth the receive side (the LB namespace and
 * everything after it) runs in the softirq that the transmit's bottom-half
 * enable triggers on the sending CPU, so the elapsed time covers the whole
 * path of every frame.  Output (one line):
 *   sent=<frames> ns=<elapsed ns> ns_per_pkt=<x.y>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN	60	/* minimum Ethernet frame without FCS */
#define MAX_BATCH	256

struct opts {
	const char *ifname;
	uint8_t smac[6], dmac[6];
	struct in_addr src, dst;
	unsigned int nips, nports;
	unsigned int sport, dport;
	unsigned long count, first;
	unsigned int batch;
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t tcp_flags;	/* TH_SYN or TH_ACK */
	int cpu;
	const char *netns;	/* name under /run/netns, or NULL */
};

static void usage(void)
{
	fprintf(stderr,
		"usage: l4flood -i IFACE -s SRCMAC -d DSTMAC -S SRCIP -D DSTIP -p DPORT\n"
		"               [-P tcp|udp] [-f syn|ack] [-n NIPS] [-b SPORT] [-N NPORTS]\n"
		"               [-c COUNT] [-o FIRST] [-B BATCH] [-C CPU] [-x NETNS]\n");
	exit(2);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6) {
		fprintf(stderr, "l4flood: bad MAC address '%s'\n", s);
		exit(2);
	}
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "l4flood: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Build frame number i into buf (FRAME_LEN bytes, zero padded). */
static void build_frame(const struct opts *o, unsigned long i, uint8_t *buf)
{
	unsigned long nflows = (unsigned long)o->nips * o->nports;
	unsigned long k = (o->first + i) % nflows;
	struct ether_header *eth = (struct ether_header *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	uint8_t *l4 = (uint8_t *)(ip + 1);
	uint16_t l4len = o->proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
			 FRAME_LEN - sizeof(*eth) - sizeof(*ip);
	uint32_t sum;
	struct {
		uint32_t saddr, daddr;
		uint8_t zero, proto;
		uint16_t len;
	} __attribute__((packed)) ph;

	memset(buf, 0, FRAME_LEN);
	memcpy(eth->ether_dhost, o->dmac, 6);
	memcpy(eth->ether_shost, o->smac, 6);
	eth->ether_type = htons(ETHERTYPE_IP);

	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + l4len);
	ip->id = htons((uint16_t)i);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = (uint8_t)o->proto;
	ip->saddr = htonl(ntohl(o->src.s_addr) + (uint32_t)(k % o->nips));
	ip->daddr = o->dst.s_addr;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));

	if (o->proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)l4;

		th->source = htons((uint16_t)(o->sport + k / o->nips));
		th->dest = htons((uint16_t)o->dport);
		/* same sequence numbers for a flow in every run */
		th->seq = htonl(0x10000000u + (uint32_t)k * 4096u +
				(o->tcp_flags == TH_SYN ? 0 : 1));
		th->ack_seq = o->tcp_flags == TH_SYN ? 0 : htonl(0x20000001u);
		th->doff = sizeof(*th) / 4;
		th->syn = o->tcp_flags == TH_SYN;
		th->ack = o->tcp_flags == TH_ACK;
		th->window = htons(64240);
	} else {
		struct udphdr *uh = (struct udphdr *)l4;

		uh->source = htons((uint16_t)(o->sport + k / o->nips));
		uh->dest = htons((uint16_t)o->dport);
		uh->len = htons(l4len);
	}
	ph.saddr = ip->saddr;
	ph.daddr = ip->daddr;
	ph.zero = 0;
	ph.proto = (uint8_t)o->proto;
	ph.len = htons(l4len);
	sum = csum_add(0, &ph, sizeof(ph));
	sum = csum_add(sum, l4, l4len);
	if (o->proto == IPPROTO_TCP) {
		((struct tcphdr *)l4)->check = csum_fold(sum);
	} else {
		uint16_t c = csum_fold(sum);

		((struct udphdr *)l4)->check = c ? c : 0xffff;
	}
}

static int open_socket(const struct opts *o, struct sockaddr_ll *sll)
{
	int fd, one = 1, sndbuf = 16 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* send only: no protocol */
	if (fd < 0)
		die("socket(AF_PACKET)");
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_IP);
	sll->sll_ifindex = (int)if_nametoindex(o->ifname);
	sll->sll_halen = 6;
	memcpy(sll->sll_addr, o->dmac, 6);
	if (!sll->sll_ifindex)
		die(o->ifname);
	if (bind(fd, (struct sockaddr *)sll, sizeof(*sll)) < 0)
		die("bind");
	/*
	 * Skip the qdisc layer of the client's veth: the client side is not
	 * what is measured, and dev_direct_xmit() still runs the receive
	 * softirq synchronously when it re-enables bottom halves.
	 */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		die("PACKET_QDISC_BYPASS");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t frames[MAX_BATCH][FRAME_LEN];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct opts o = {
		.nips = 1, .nports = 1, .sport = 10000, .count = 1,
		.batch = 32, .proto = IPPROTO_TCP, .tcp_flags = TH_SYN, .cpu = -1,
	};
	int have = 0, c, fd;
	unsigned long sent = 0;
	struct sockaddr_ll sll;
	struct timespec t0, t1;
	long long ns;

	while ((c = getopt(argc, argv, "i:s:d:S:D:p:P:f:n:b:N:c:o:B:C:x:h")) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; have |= 1; break;
		case 's': parse_mac(optarg, o.smac); have |= 2; break;
		case 'd': parse_mac(optarg, o.dmac); have |= 4; break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &o.src) != 1)
				usage();
			have |= 8;
			break;
		case 'D':
			if (inet_pton(AF_INET, optarg, &o.dst) != 1)
				usage();
			have |= 16;
			break;
		case 'p': o.dport = parse_num(optarg, 65535); have |= 32; break;
		case 'P':
			if (!strcmp(optarg, "tcp"))
				o.proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				o.proto = IPPROTO_UDP;
			else
				usage();
			break;
		case 'f':
			if (!strcmp(optarg, "syn"))
				o.tcp_flags = TH_SYN;
			else if (!strcmp(optarg, "ack"))
				o.tcp_flags = TH_ACK;
			else
				usage();
			break;
		case 'n': o.nips = parse_num(optarg, 1 << 24); break;
		case 'b': o.sport = parse_num(optarg, 65535); break;
		case 'N': o.nports = parse_num(optarg, 65536); break;
		case 'c': o.count = parse_num(optarg, ~0UL); break;
		case 'o': o.first = parse_num(optarg, ~0UL); break;
		case 'B': o.batch = parse_num(optarg, MAX_BATCH); break;
		case 'C': o.cpu = (int)parse_num(optarg, CPU_SETSIZE - 1); break;
		case 'x': o.netns = optarg; break;
		default: usage();
		}
	}
	if (have != 63 || !o.nips || !o.nports || !o.batch ||
	    o.sport + o.nports > 65536)
		usage();

	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("sched_setaffinity");
	}
	/* like `ip netns exec`, without a second program start (slow in a VM) */
	if (o.netns) {
		char path[PATH_MAX];
		int nsfd;

		snprintf(path, sizeof(path), "/run/netns/%s", o.netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			die(path);
		if (setns(nsfd, CLONE_NEWNET) < 0)
			die("setns");
		close(nsfd);
	}
	fd = open_socket(&o, &sll);
	memset(msgs, 0, sizeof(msgs));
	for (c = 0; c < MAX_BATCH; c++) {
		iov[c].iov_base = frames[c];
		iov[c].iov_len = FRAME_LEN;
		msgs[c].msg_hdr.msg_iov = &iov[c];
		msgs[c].msg_hdr.msg_iovlen = 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < o.count) {
		unsigned int n = o.batch, done = 0, j;

		if (o.count - sent < n)
			n = (unsigned int)(o.count - sent);
		for (j = 0; j < n; j++)
			build_frame(&o, sent + j, frames[j]);
		while (done < n) {
			int r = sendmmsg(fd, msgs + done, n - done, 0);

			if (r < 0) {
				if (errno == EINTR || errno == ENOBUFS ||
				    errno == EAGAIN)
					continue;
				die("sendmmsg");
			}
			done += (unsigned int)r;
		}
		sent += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);

	ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	printf("sent=%lu ns=%lld ns_per_pkt=%.1f\n", sent, ns,
	       sent ? (double)ns / (double)sent : 0.0);
	return 0;
}
