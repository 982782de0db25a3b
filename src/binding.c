// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: reach the Live Update Orchestrator API.
 *
 * Kernels up to at least 7.3 do not export liveupdate_*() to modules.  When
 * the build finds them in Module.symvers (PLU_LUO_EXPORTED) the module links
 * against them.  Otherwise each address is looked up at load time by
 * registering a kprobe on the symbol name, and every call goes through a
 * static call: a direct call, so an x86 kernel with IBT, which seals the
 * ENDBR of functions never called indirectly, cannot fault on it.
 *
 * With LUO built in but off (booted without liveupdate=on) binding fails
 * with -ENODEV: systemd-modules-load, which loads the module at every boot
 * through the package's modules-load.d entry, takes ENODEV and ENOENT as
 * "not for this system" and fails its unit on any other errno.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/static_call.h>

#include "plu_internal.h"

#ifdef PLU_LUO_EXPORTED

int plu_luo_bind(void)
{
	if (!liveupdate_enabled()) {
		pr_err("Live Update is disabled: boot with liveupdate=on (and kho=on)\n");
		return -ENODEV;
	}
	return 0;
}

enum pci_liveupdate_binding plu_luo_binding(void)
{
	return PCI_LIVEUPDATE_BINDING_DIRECT;
}

#define PLU_LUO_CALL(fn) fn

#else /* !PLU_LUO_EXPORTED */

DEFINE_STATIC_CALL_NULL(plu_liveupdate_enabled, liveupdate_enabled);
DEFINE_STATIC_CALL_NULL(plu_liveupdate_register_file_handler,
			liveupdate_register_file_handler);
DEFINE_STATIC_CALL_NULL(plu_liveupdate_unregister_file_handler,
			liveupdate_unregister_file_handler);
DEFINE_STATIC_CALL_NULL(plu_liveupdate_register_flb, liveupdate_register_flb);
DEFINE_STATIC_CALL_NULL(plu_liveupdate_unregister_flb,
			liveupdate_unregister_flb);
DEFINE_STATIC_CALL_NULL(plu_liveupdate_flb_get_incoming,
			liveupdate_flb_get_incoming);
DEFINE_STATIC_CALL_NULL(plu_liveupdate_flb_put_incoming,
			liveupdate_flb_put_incoming);

static void *plu_lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	void *addr;
	int ret;

	ret = register_kprobe(&kp);
	if (ret == -ENOENT)
		pr_err("cannot resolve %s: no such symbol (kernel built without CONFIG_LIVEUPDATE?)\n",
		       name);
	else if (ret == -EOPNOTSUPP)
		pr_err("cannot resolve %s: kprobes not available (CONFIG_KPROBES=n?): %d\n",
		       name, ret);
	else if (ret < 0)
		pr_err("cannot resolve %s: register_kprobe() failed: %d\n",
		       name, ret);
	if (ret < 0)
		return NULL;
	addr = kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

/*
 * Each static call was defined with the type of the function of the same
 * name, so the address looked up by that name always fits it.
 */
struct plu_sym {
	const char *name;
	struct static_call_key *key;
	void *tramp;
};

#define PLU_SYM(fn) { #fn, &STATIC_CALL_KEY(plu_##fn), \
		      STATIC_CALL_TRAMP_ADDR(plu_##fn) }

static const struct plu_sym plu_syms[] = {
	PLU_SYM(liveupdate_enabled),
	PLU_SYM(liveupdate_register_file_handler),
	PLU_SYM(liveupdate_unregister_file_handler),
	PLU_SYM(liveupdate_register_flb),
	PLU_SYM(liveupdate_unregister_flb),
	PLU_SYM(liveupdate_flb_get_incoming),
	PLU_SYM(liveupdate_flb_put_incoming),
};

int plu_luo_bind(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(plu_syms); i++) {
		void *addr = plu_lookup(plu_syms[i].name);

		if (!addr)
			return -ENOENT;
		__static_call_update(plu_syms[i].key, plu_syms[i].tramp, addr);
	}

	if (!static_call(plu_liveupdate_enabled)()) {
		pr_err("Live Update is disabled: boot with liveupdate=on (and kho=on)\n");
		return -ENODEV;
	}
	return 0;
}

enum pci_liveupdate_binding plu_luo_binding(void)
{
	return PCI_LIVEUPDATE_BINDING_KPROBE;
}

#define PLU_LUO_CALL(fn) static_call(plu_##fn)

#endif /* PLU_LUO_EXPORTED */

/**
 * plu_luo_register_file_handler() - liveupdate_register_file_handler()
 * @fh: The handler.
 *
 * Return: 0 or a negative errno.
 */
int plu_luo_register_file_handler(struct liveupdate_file_handler *fh)
{
	return PLU_LUO_CALL(liveupdate_register_file_handler)(fh);
}

/**
 * plu_luo_unregister_file_handler() - liveupdate_unregister_file_handler()
 * @fh: The handler.
 */
void plu_luo_unregister_file_handler(struct liveupdate_file_handler *fh)
{
	PLU_LUO_CALL(liveupdate_unregister_file_handler)(fh);
}

/**
 * plu_luo_register_flb() - liveupdate_register_flb()
 * @fh:  The handler, already registered.
 * @flb: The FLB.
 *
 * Return: 0 or a negative errno.
 */
int plu_luo_register_flb(struct liveupdate_file_handler *fh,
			 struct liveupdate_flb *flb)
{
	return PLU_LUO_CALL(liveupdate_register_flb)(fh, flb);
}

/**
 * plu_luo_unregister_flb() - liveupdate_unregister_flb()
 * @fh:  The handler.
 * @flb: The FLB.
 */
void plu_luo_unregister_flb(struct liveupdate_file_handler *fh,
			    struct liveupdate_flb *flb)
{
	PLU_LUO_CALL(liveupdate_unregister_flb)(fh, flb);
}

/**
 * plu_luo_flb_get_incoming() - liveupdate_flb_get_incoming()
 * @flb:  The FLB.
 * @objp: Receives the object built by the FLB's retrieve callback.
 *
 * Return: 0 or a negative errno (-ENODATA/-ENOENT: nothing handed over).
 */
int plu_luo_flb_get_incoming(struct liveupdate_flb *flb, void **objp)
{
	return PLU_LUO_CALL(liveupdate_flb_get_incoming)(flb, objp);
}

/**
 * plu_luo_flb_put_incoming() - liveupdate_flb_put_incoming()
 * @flb: The FLB.
 */
void plu_luo_flb_put_incoming(struct liveupdate_flb *flb)
{
	PLU_LUO_CALL(liveupdate_flb_put_incoming)(flb);
}
