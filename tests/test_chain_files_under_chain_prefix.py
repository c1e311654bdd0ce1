"""A chain's files land under its own prefix, "chains/<schema>/<kind>/", in the bucket and on the file system alike;
names from outside that prefix are not the chain's."""

from django_tenants.utils import schema_context

from maxloyalty.chain_files import FileKind, chain_prefix, is_current_chain_file, save_chain_file


def test_saved_file_lands_under_the_chains_prefix_with_a_random_name(alpha, chain_storage):
    stored = save_chain_file(kind=FileKind.GUEST_EXPORT, name="Гости май.CSV", content=b"phone\n+79161234567\n")
    assert chain_storage.stored_names() == [stored]
    assert stored.startswith(f"chains/{alpha.chain.schema_name}/guest-exports/")
    assert stored.endswith(".csv")
    assert "Гости" not in stored  # the original name is the owner's to keep, not the storage's


def test_two_chains_files_never_share_a_prefix(alpha, beta, chain_storage):
    alpha_file = save_chain_file(kind=FileKind.LOGO, name="logo.png", content=b"a")
    with schema_context(beta.chain.schema_name):
        beta_file = save_chain_file(kind=FileKind.LOGO, name="logo.png", content=b"b")
        assert is_current_chain_file(beta_file)
        assert not is_current_chain_file(alpha_file)
    assert beta_file.startswith(chain_prefix(beta.chain.schema_name))
    assert not alpha_file.startswith(chain_prefix(beta.chain.schema_name))


def test_names_that_climb_out_of_the_prefix_are_not_the_chains(alpha):
    prefix = chain_prefix()
    assert is_current_chain_file(f"{prefix}logo/abc.png")
    for name in (f"{prefix}../beta/logo/abc.png", f"/{prefix}logo/abc.png", f"{prefix}logo\\..\\x", prefix, ""):
        assert not is_current_chain_file(name), name
