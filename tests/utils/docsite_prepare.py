# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prepare a docs site directory made by `antsibull-docs sphinx-init` for an offline build.

    python docsite_prepare.py SITE_DIR COLLECTION_ROOT

tests/utils/docsite.sh runs it between `sphinx-init` and the generated build.sh:

1. conf.py gets the MyST parser (the guides are Markdown, docs/*.md) and an intersphinx
   mapping that needs no network: sphinx-init maps python, jinja2 and ansible_devel to their
   online inventories, which cannot be fetched here, and every failed fetch is a warning that
   -W turns into an error. The only external targets the generated pages use are two labels of
   the Ansible documentation; they go into a local inventory file, ansible_devel.inv, written
   here with their real URLs, so the links in the site still lead to docs.ansible.com. A new
   external label shows up as "undefined label" and fails the build: add it to ANSIBLE_LABELS.
2. The guides are Markdown (docs/*.md), but antsibull-docs takes extra docs only as RST files
   in docs/docsite/rst/ (and lints them as plain RST, so they cannot include Markdown). Each
   guide has a stub there, marked `markdown-source: docs/<name>.md`, with its label and title.
   The guides are copied to SITE_DIR/guides/, and conf.py gets a `source-read` hook that
   replaces each stub's text, as Sphinx reads it, by the label and an include of the copy with
   the MyST parser. In the copies, links to another guide become links to its page, links to
   other files of the repository become links to the file on GitHub (edit_on_github in
   docs/docsite/links.yml), and a link to a file that does not exist fails the build.
"""

import os
import re
import sys
import zlib

import yaml

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# label -> (page with anchor, title) in the Ansible documentation.
ANSIBLE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
}
# The ansible.builtin modules that our plugins' documentation links to (M() references).
for _module in ('debug', 'set_fact', 'uri'):
    ANSIBLE_LABELS['ansible_collections.ansible.builtin.%s_module' % _module] = (
        'collections/ansible/builtin/%s_module.html#ansible-collections-ansible-builtin-%s-module' % (_module, _module.replace('_', '-')),
        'ansible.builtin.%s module' % _module)
LABEL_PREFIX = 'ansible_collections.cloudops.atlas.docsite.'
MARKER = re.compile(r'^\s+markdown-source: docs/(?P<name>[\w-]+)\.md\s*$', re.M)
# [text](target) where target has no scheme (relative links only).
LINK = re.compile(r'\]\((?P<path>(?![a-z][a-z0-9+.-]*:)[^)\s#]+)(?P<fragment>#[^)\s]*)?\)')

CONF = '''
# --- added by tests/utils/docsite_prepare.py (cloudops.atlas, offline build) ---
# The guides are Markdown (docs/*.md), included into docs/docsite/rst/*.rst with MyST.
extensions.append('myst_parser')
myst_heading_anchors = 3
# No network: only the Ansible documentation, through a local inventory of the labels the
# generated pages use (see docsite_prepare.py).
intersphinx_mapping = {
    'ansible_devel': ('%s', '../ansible_devel.inv'),  # relative to the source dir rst/
}

import re

# The guides: each stub docs/docsite/rst/<name>.rst is replaced, as Sphinx reads it, by an
# include of the Markdown guide (docsite_prepare.py copied it with its links made absolute).
_guides = %r


def _read_guide(app, docname, source):
    if docname in _guides:
        label, path = _guides[docname]
        source[0] = '.. _%%s:\\n\\n.. include:: %%s\\n   :parser: myst_parser.sphinx_\\n' %% (label, path)


# antsibull-docs escapes the guide titles of docs/docsite/extra-docs.yml for RST (an underscore
# becomes "\\_"), but Sphinx takes an explicit toctree title as plain text, so the navigation
# and the index page showed "The project\\_onboarding role". Unescape the titles of toctree
# entries that point to the guides.
_TOCTREE_GUIDE = re.compile(r'^(?P<indent>[ ]+)(?P<title>.+?) <(?P<ref>docsite/[\\w-]+)>[ ]*$', re.M)


def _unescape_toctree_titles(app, docname, source):
    source[0] = _TOCTREE_GUIDE.sub(
        lambda m: '%%s%%s <%%s>' %% (m.group('indent'), re.sub(r'\\\\(.)', r'\\1', m.group('title')), m.group('ref')),
        source[0])


def setup(app):
    app.connect('source-read', _read_guide)
    app.connect('source-read', _unescape_toctree_titles)
'''


def write_inventory(path):
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(ANSIBLE_LABELS.items()))
    with open(path, 'wb') as f:
        f.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                b'# The remainder of this file is compressed using zlib.\n')
        f.write(zlib.compress(lines.encode('utf-8')))


def rewrite_links(text, source, root, guides, github):
    docs_dir = os.path.dirname(source)

    def replace(match):
        target = os.path.normpath(os.path.join(docs_dir, match.group('path')))
        fragment = match.group('fragment') or ''
        if not os.path.exists(target):
            raise SystemExit('%s: link to %s, which does not exist' % (os.path.relpath(source, root), match.group('path')))
        name, ext = os.path.splitext(os.path.basename(target))
        if ext == '.md' and os.path.dirname(target) == docs_dir and name in guides and not fragment:
            # Another guide: its page on the site (MyST resolves #label across the project).
            return '](#%s%s)' % (LABEL_PREFIX, name)
        return '](%s%s%s)' % (github, os.path.relpath(target, root), fragment)

    return LINK.sub(replace, text)


def main(site, root):
    write_inventory(os.path.join(site, 'ansible_devel.inv'))
    with open(os.path.join(root, 'docs', 'docsite', 'links.yml')) as f:
        edit = yaml.safe_load(f)['edit_on_github']
    github = 'https://github.com/%s/blob/%s/' % (edit['repository'], edit['branch'])
    stubs_dir = os.path.join(root, 'docs', 'docsite', 'rst')
    guides = {}
    for stub in sorted(os.listdir(stubs_dir)):
        with open(os.path.join(stubs_dir, stub)) as f:
            match = MARKER.search(f.read())
        if match:
            if match.group('name') != os.path.splitext(stub)[0]:
                raise SystemExit('%s names docs/%s.md: a stub and its guide must have the same name' % (stub, match.group('name')))
            guides[match.group('name')] = os.path.join(root, 'docs', match.group('name') + '.md')
    if not guides:
        raise SystemExit('no guide stubs (markdown-source: docs/<name>.md) in %s' % stubs_dir)
    os.makedirs(os.path.join(site, 'guides'))
    replaced = {}
    for name, source in sorted(guides.items()):
        with open(source) as f:
            text = rewrite_links(f.read(), source, root, guides, github)
        copy = os.path.join(site, 'guides', name + '.md')
        with open(copy, 'w') as f:
            f.write(text)
        # antsibull-docs (--squash-hierarchy) puts the stubs in SITE_DIR/rst/docsite/; Sphinx takes
        # an include path relative to the including file (an absolute one, to the source dir).
        replaced['docsite/' + name] = (LABEL_PREFIX + name, os.path.relpath(copy, os.path.join(site, 'rst', 'docsite')))
    with open(os.path.join(site, 'conf.py'), 'a') as f:
        f.write(CONF % (ANSIBLE_DOCS, replaced))
    print('docsite: offline conf.py and inventory; guides %s' % ', '.join(sorted(guides)))
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], os.path.abspath(sys.argv[2])))
