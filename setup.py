"""Map the four top-level folders into one import namespace, okdp_migrate.

migrate/ is the root package; connectors/, rules/ and reports/ are its subpackages.
Subpackages are found at build time so nobody has to list them by hand.
"""
from setuptools import find_packages, setup

ROOTS = {
    "okdp_migrate": "migrate",
    "okdp_migrate.connectors": "connectors",
    "okdp_migrate.rules": "rules",
    "okdp_migrate.reports": "reports",
}

packages = []
for name, folder in ROOTS.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

setup(
    packages=packages,
    package_dir=ROOTS,
    package_data={"": ["*.html", "*.css", "*.js", "*.j2", "*.json", "*.yaml", "*.sql", "*.txt"]},
    include_package_data=True,
)
