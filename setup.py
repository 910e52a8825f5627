"""verl-mgrpo: Multi-layer GRPO (Ding et al., 2025) as a plugin for veRL 0.9.1."""

from setuptools import find_packages, setup

setup(
    name="verl-mgrpo",
    version="0.1.0",
    description="Multi-layer GRPO (self-correction via a second GRPO layer) as a veRL plugin",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["verl_mgrpo", "verl_mgrpo.*", "reward_fns", "reward_fns.*"]),
    package_data={"verl_mgrpo": ["config/*.yaml", "assets/tiny_model/*", "assets/tiny_model_qwen_base/*"]},
    include_package_data=True,
    install_requires=[
        "verl==0.9.1",
        # verl 0.9.1's trainer imports these, but its wheel declares them only in the "verl-core" extra.
        "cachetools",
        "fastapi",
        "uvicorn",
        "pyzmq",
        "msgspec",
        "torch",  # CPU machines: install torch==2.13.0 first (README); any other version pulls CUDA wheels
        "transformers>=5.5.3,<5.11,!=5.6.0",  # veRL 0.9.1's range
        "hydra-core",
        # hydra-core pins antlr4 4.9.*, so math-verify's LaTeX parser must use the same runtime.
        "math-verify[antlr4-9-3]==0.9.0",
        "pandas",
        "pyarrow>=19.0.0",
        "matplotlib",  # verl_mgrpo.report's plot
    ],
    extras_require={
        "gpu": ["vllm==0.24.0", "flash-attn"],
        "test": ["pytest", "pytest-timeout"],
    },
    entry_points={"verl.plugins": ["mgrpo = verl_mgrpo.plugin"]},
)
