import re
from pathlib import Path

from setuptools import find_packages, setup

# Read, not imported: an isolated build (pyproject.toml) does not put this folder on sys.path.
init = (Path(__file__).parent / "prospect_crm" / "__init__.py").read_text()
version = re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE).group(1)

with open("requirements.txt") as f:
	install_requires = [line.strip() for line in f if line.strip() and not line.startswith("#")]

setup(
	name="prospect_crm",
	version=version,
	description="A maintained Prospect document for Frappe and ERPNext v15 and v16",
	author="prospect_crm contributors",
	author_email="prospect-crm@users.noreply.github.com",
	packages=find_packages(),
	license="GPL-3.0-only",
	classifiers=["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"],
	zip_safe=False,
	include_package_data=True,
	install_requires=install_requires,
	python_requires=">=3.10,<3.15",
)
